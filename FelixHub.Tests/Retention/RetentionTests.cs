using FelixHub.Core.Retention;
using FelixHub.Tests.Infrastructure;
using Hangfire;
using Hangfire.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Xunit.Abstractions;

namespace FelixHub.Tests.Retention;

/// <summary>
/// A simulated year of daily traffic with the retention job running every day on a fake clock: every
/// table it keeps stays bounded by its age, and nothing still needed (an unsent message, an unread
/// notification) is deleted; the WB history that deduplicates events is kept longer than WB returns rows.
/// </summary>
public sealed class RetentionTests(ITestOutputHelper output)
{
    private const int Days = 365;
    private const int MessagesPerDay = 20;
    private const int InboxPerDay = 10;
    private const int SyncsPerDay = 5;
    private const int DigestItemsPerDay = 3;

    [Fact]
    public async Task A_year_of_daily_traffic_leaves_every_table_bounded_and_keeps_what_is_still_needed()
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 3, 15, 0, TimeSpan.Zero));
        try
        {
            await using var worker = await TestWorker.StartAsync(database, telegram: null,
                new Dictionary<string, string?> { ["Hangfire:ServerEnabled"] = "false", ["Retention:BatchSize"] = "100" },
                s => s.AddSingleton<TimeProvider>(clock));
            await using var connection = new NpgsqlConnection(database);
            await connection.OpenAsync();
            var cabinet = await ScalarAsync(connection, """
                INSERT INTO wb_cabinets (api_key_encrypted, api_key_hash, state, history_from, created_at, updated_at)
                VALUES ('x', 'retention-test', 'active', now(), now(), now()) RETURNING id
                """);
            // Kept whatever their age: a message that never finished, an unread notification.
            await ExecAsync(connection, """
                INSERT INTO delivery_messages (kind, dedup_key, chat_id, text, state, due_at, created_at)
                VALUES ('new_order', 'never-finished', '1', 'waiting for a bot token', 'pending', @day, @day);
                INSERT INTO wb_digest_items (telegram_id, cabinet_id, event_type, event_key, nm_id, created_at, period_start, due_at)
                VALUES (1, @cabinet, 'new_order', 'waiting-for-its-digest', 1, @day, @day, @day)
                """, ("day", clock.GetUtcNow()), ("cabinet", cabinet));

            var runs = new List<RetentionSummary>();
            for (var day = 0; day < Days; day++)
            {
                await OneDayOfTrafficAsync(connection, day, clock.GetUtcNow(), cabinet);
                runs.Add(await worker.InScopeAsync(sp => sp.GetRequiredService<RetentionJob>().ExecuteAsync(CancellationToken.None)));
                clock.Advance(TimeSpan.FromDays(1));
            }

            var o = worker.Services.GetRequiredService<IOptions<RetentionOptions>>().Value;
            var counts = new Dictionary<string, long>
            {
                ["delivery_messages"] = await ScalarAsync(connection, "SELECT count(*) FROM delivery_messages"),
                ["notification_logs"] = await ScalarAsync(connection, "SELECT count(*) FROM notification_logs"),
                ["inbox_recipients (read)"] = await ScalarAsync(connection, "SELECT count(*) FROM inbox_recipients WHERE read_at IS NOT NULL"),
                ["inbox_recipients (unread)"] = await ScalarAsync(connection, "SELECT count(*) FROM inbox_recipients WHERE read_at IS NULL"),
                ["inbox_notifications"] = await ScalarAsync(connection, "SELECT count(*) FROM inbox_notifications"),
                ["wb_sync_logs"] = await ScalarAsync(connection, "SELECT count(*) FROM wb_sync_logs"),
                ["notification_history"] = await ScalarAsync(connection, "SELECT count(*) FROM notification_history"),
                ["wb_orders"] = await ScalarAsync(connection, "SELECT count(*) FROM wb_orders"),
                ["wb_digest_items (digested)"] = await ScalarAsync(connection, "SELECT count(*) FROM wb_digest_items WHERE digest_message_id IS NOT NULL"),
                ["wb_digest_items (waiting)"] = await ScalarAsync(connection, "SELECT count(*) FROM wb_digest_items WHERE digest_message_id IS NULL"),
            };
            output.WriteLine($"after {Days} days: " + string.Join(", ", counts.Select(c => $"{c.Key} {c.Value}")));
            output.WriteLine($"last run: {runs[^1]}; slowest run {runs.Max(r => r.Seconds):F2} s");

            // A run keeps what is not older than its age: that day and the DeliveryDays before it.
            counts["delivery_messages"].Should().Be((o.DeliveryDays + 1) * MessagesPerDay + 1, "the last DeliveryDays days of messages, and the one that never finished");
            counts["notification_logs"].Should().Be((o.DeliveryDays + 1) * MessagesPerDay);
            counts["inbox_recipients (read)"].Should().Be((o.InboxReadDays + 1) * InboxPerDay);
            counts["inbox_recipients (unread)"].Should().Be(Days, "an unread notification is never deleted");
            counts["inbox_notifications"].Should().Be((o.InboxReadDays + 1) * InboxPerDay + Days);
            counts["wb_sync_logs"].Should().Be((o.WbSyncLogDays + 1) * SyncsPerDay);
            counts["notification_history"].Should().Be(o.WbDataDays + 1, "WB's dedup history is kept longer than WB returns rows");
            counts["wb_orders"].Should().Be(o.WbDataDays + 1);
            counts["wb_digest_items (digested)"].Should().Be((o.DeliveryDays + 1) * DigestItemsPerDay, "digested events go with the ledger's messages");
            counts["wb_digest_items (waiting)"].Should().Be(1, "an event still waiting for its digest is never deleted");
            (await ScalarAsync(connection, "SELECT count(*) FROM delivery_messages WHERE dedup_key = 'never-finished'")).Should().Be(1);
            runs[^1].Deleted["delivery_messages"].Should().Be(MessagesPerDay, "each day's run removes the day that aged out");
        }
        finally
        {
            await PostgresServer.DropDatabaseAsync(database);
        }
    }

    [Fact]
    public async Task The_job_is_registered_daily_and_a_bad_age_stops_the_start()
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        try
        {
            await using (var worker = await TestWorker.StartAsync(database, telegram: null, new Dictionary<string, string?> { ["Hangfire:ServerEnabled"] = "false" }))
            {
                using var storage = worker.Services.GetRequiredService<JobStorage>().GetConnection();
                var job = storage.GetRecurringJobs().Single(j => j.Id == RetentionJob.RecurringJobId);
                job.Cron.Should().Be("15 3 * * *");
                job.TimeZoneId.Should().Be("UTC");
            }

            var start = () => TestWorker.StartAsync(database, telegram: null,
                new Dictionary<string, string?> { ["Hangfire:ServerEnabled"] = "false", ["Retention:DeliveryDays"] = "0" });
            (await start.Should().ThrowAsync<OptionsValidationException>()).Which.Message.Should().Contain("DeliveryDays");
        }
        finally
        {
            await PostgresServer.DropDatabaseAsync(database);
        }
    }

    /// <summary>One day of traffic dated <paramref name="now"/>: sent messages and their attempts, read and unread in-app notifications, syncs.</summary>
    private static async Task OneDayOfTrafficAsync(NpgsqlConnection connection, int day, DateTimeOffset now, long cabinet)
    {
        await ExecAsync(connection, """
            INSERT INTO delivery_messages (kind, dedup_key, chat_id, text, state, due_at, created_at, sent_at, finished_at)
            SELECT 'mechanic_status_change', md5(@day || ':' || i), '42', 'text', 'sent', @now, @now, @now, @now
            FROM generate_series(1, @messages) AS i;
            INSERT INTO notification_logs (notification_type, telegram_id, message_hash, sent_at, success)
            SELECT 'mechanic_status_change', '42', md5(@day || ':' || i), @now, true FROM generate_series(1, @messages) AS i;
            WITH n AS (
                INSERT INTO inbox_notifications (id, type, message, priority, metadata, created_at)
                SELECT gen_random_uuid(), 'status_update', 'm', 1, '{}', @now FROM generate_series(1, @inbox + 1)
                RETURNING id)
            INSERT INTO inbox_recipients (notification_id, user_id, read_at)
            SELECT id, 'user-1', CASE WHEN row_number() OVER () <= @inbox THEN @now END FROM n;
            INSERT INTO wb_sync_logs (cabinet_id, kind, status, started_at, finished_at, orders, sales, reviews, stocks, products, events)
            SELECT @cabinet, 'delta', 'succeeded', @now, @now, 0, 0, 0, 0, 0, 0 FROM generate_series(1, @syncs);
            INSERT INTO notification_history (telegram_id, event_key, event_type, cabinet_id, sent_at)
            VALUES (1, 'new_order:' || @day, 'new_order', @cabinet, @now);
            INSERT INTO wb_orders (cabinet_id, srid, date, last_change_date, nm_id, total_price, discount_percent, spp,
                                   finished_price, price_with_disc, is_cancel, created_at, updated_at)
            VALUES (@cabinet, 'srid-' || @day, @now, @now, 1, 100, 0, 0, 100, 100, false, @now, @now);
            INSERT INTO wb_digest_items (telegram_id, cabinet_id, event_type, event_key, nm_id, amount, created_at, period_start, due_at, digest_message_id, digested_at)
            SELECT 1, @cabinet, 'new_order', 'new_order:' || @day || ':' || i, 1, 100, @now, @now, @now, 1, @now FROM generate_series(1, @digest) AS i;
            """, ("day", day), ("now", now), ("messages", MessagesPerDay), ("inbox", InboxPerDay), ("syncs", SyncsPerDay), ("cabinet", cabinet),
            ("digest", DigestItemsPerDay));
    }

    private static async Task ExecAsync(NpgsqlConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<long> ScalarAsync(NpgsqlConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
