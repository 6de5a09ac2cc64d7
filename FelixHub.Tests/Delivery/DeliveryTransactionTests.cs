using System.Diagnostics;
using System.Net.Http.Json;
using FelixHub.Core.Bookings;
using FelixHub.Core.Delivery;
using FelixHub.Core.Orders;
using FelixHub.Core.Wildberries.Notifications;
using FelixHub.Tests.Bookings;
using FelixHub.Tests.Infrastructure;
using FelixHub.Tests.Orders;
using FelixHub.Tests.Reliability;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace FelixHub.Tests.Delivery;

/// <summary>
/// A message is written with its cause: the ledger row and its Hangfire send job commit in the change's
/// transaction (Hangfire.PostgreSql enlisted in the ambient TransactionScope), or neither exists.
/// </summary>
public sealed class DeliveryTransactionTests(WorkerFixture fixture) : IClassFixture<WorkerFixture>
{
    private readonly TestWorker worker = fixture.Worker;

    [Fact]
    public async Task A_message_and_its_send_job_roll_back_with_their_cause()
    {
        var key = Guid.NewGuid().ToString("N");
        var jobsBefore = await MechanicMessages.ScalarAsync(worker.ConnectionString, "SELECT count(*) FROM hangfire.job");

        await worker.InScopeAsync(async sp =>
        {
            using var scope = DeliveryTransaction.Begin();
            var written = await sp.GetRequiredService<DeliveryOutbox>().WriteAsync([new OutgoingMessage("test_message", key, TestWorker.NewChatId(), "text")], CancellationToken.None);
            written.Should().ContainSingle();
            return 0; // not completed: the change fails
        });

        (await MechanicMessages.ScalarAsync(worker.ConnectionString, $"SELECT count(*) FROM delivery_messages WHERE dedup_key = '{key}'")).Should().Be(0);
        (await MechanicMessages.ScalarAsync(worker.ConnectionString, "SELECT count(*) FROM hangfire.job")).Should().Be(jobsBefore,
            "the send job was created in the same transaction and rolled back with it");
    }

    [Fact]
    public async Task Messages_are_written_only_inside_their_causes_transaction()
    {
        var write = () => worker.InScopeAsync(sp => sp.GetRequiredService<DeliveryOutbox>()
            .WriteAsync([new OutgoingMessage("test_message", Guid.NewGuid().ToString("N"), "1", "text")], CancellationToken.None));

        await write.Should().ThrowAsync<InvalidOperationException>().WithMessage("*transaction*");
    }

    [Fact]
    public async Task A_status_change_its_message_and_the_send_job_commit_together_and_the_ledger_shows_the_delivery()
    {
        var chat = TestWorker.NewChatId();
        var mechanic = await worker.CreateMechanicAsync(chat);
        var order = await worker.CreateOrderAsync(mechanic.Id);

        await worker.ChangeStatusAsync(order.Id, OrderStatus.InProgress);

        await Eventually.Until(() => fixture.Telegram.Delivered.Any(d => d.ChatId == chat), "the mechanic's message");
        await Eventually.Until(async () => (await MessageOfAsync(order.Id)).State == DeliveryStates.Sent, "the ledger row to say sent");
        var message = await MessageOfAsync(order.Id);
        message.Should().BeEquivalentTo(new { Kind = "mechanic_status_change", ChatId = chat, MechanicId = (int?)mechanic.Id, Attempts = 1, LastError = (string?)null });
        message.TelegramMessageId.Should().NotBeNull();
        message.SentAt.Should().NotBeNull();
        message.JobId.Should().NotBeNullOrEmpty();
        (await MechanicMessages.ScalarAsync(worker.ConnectionString, $"SELECT count(*) FROM hangfire.job WHERE id = {message.JobId} AND invocationdata ->> 'Type' LIKE '%DeliveryJob%'"))
            .Should().Be(1, "one send job per message, on the dashboard");
        (await worker.NotificationLogsAsync(order.Id)).Should().ContainSingle().Which.MessageHash.Should().Be(message.DedupKey);
    }

    private Task<DeliveryMessage> MessageOfAsync(int orderId) =>
        worker.DbAsync(db => Task.FromResult(db.Set<DeliveryMessage>().Single(m => m.OrderId == orderId)));
}

/// <summary>
/// <c>kill -9</c> right after the business commit, before any send: the replica that took the change
/// runs no Hangfire server, so nothing of it was sent when it dies. A replica started afterwards sends
/// every message within seconds — no recovery job, no pending flag.
/// </summary>
[Collection(FaultsCollection.Name)]
public sealed class DeliveryCrashTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_kill_9_after_the_commit_and_before_any_send_loses_nothing_and_the_next_replica_sends_within_seconds()
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        await using var telegram = await FakeTelegramServer.StartAsync();
        var orders = await MechanicMessages.SeedOrdersAsync(database, 20, firstChatId: 884_000_000);

        var api = await WorkerProcess.StartAsync(database, telegram, new Dictionary<string, string?> { ["Hangfire:ServerEnabled"] = "false" });
        foreach (var id in orders)
            (await api.Http.PatchAsJsonAsync($"/api/orders/{id}", new { status = OrderStatus.InProgress })).EnsureSuccessStatusCode();
        api.Kill();
        await api.DisposeAsync();
        telegram.Delivered.Should().BeEmpty("the replica that committed the changes sent nothing before it died");

        var started = Stopwatch.StartNew();
        await using var next = await WorkerProcess.StartAsync(database, telegram);
        await Eventually.Until(() => MechanicMessages.DeliveredCounts(telegram).Count == orders.Count, "every message", TimeSpan.FromSeconds(60));
        output.WriteLine($"all {orders.Count} delivered {started.Elapsed.TotalSeconds:F1} s after the new replica was started");

        started.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(30), "the send jobs are in the queue: no recovery tick to wait for");
        await Task.Delay(500);
        MechanicMessages.DeliveredCounts(telegram).Values.Should().OnlyContain(c => c == 1);
        await PostgresServer.DropDatabaseAsync(database);
    }

    [Fact]
    public async Task A_kill_9_after_a_booking_and_its_cancellation_loses_no_reminder_and_the_next_start_sends_them_within_seconds()
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        await using var telegram = await FakeTelegramServer.StartAsync();
        var chat = TestWorker.NewChatId();
        var cancelledChat = TestWorker.NewChatId();

        var api = await WorkerProcess.StartAsync(database, telegram, new Dictionary<string, string?> { ["Hangfire:ServerEnabled"] = "false" });
        var user = await api.Http.PostAsJsonAsync("/api/users", new { telegramId = chat, name = "Анна" }).Json<UserResponse>();
        var other = await api.Http.PostAsJsonAsync("/api/users", new { telegramId = cancelledChat, name = "Борис" }).Json<UserResponse>();
        // Its start reminder is due in two seconds; the other booking is cancelled at once (its notice is due now).
        var start = DateTimeOffset.UtcNow.AddSeconds(2);
        var booking = await api.Http.PostAsJsonAsync("/api/bookings", new
        {
            userId = user.Id, resourceName = "Подъёмник 1", startTime = BookingsApiClient.Iso(start), endTime = BookingsApiClient.Iso(start.AddHours(1)),
        }).Json<BookingResponse>();
        var later = DateTimeOffset.UtcNow.AddDays(2);
        var cancelled = await api.Http.PostAsJsonAsync("/api/bookings", new
        {
            userId = other.Id, resourceName = "Подъёмник 2", startTime = BookingsApiClient.Iso(later), endTime = BookingsApiClient.Iso(later.AddHours(1)),
        }).Json<BookingResponse>();
        (await api.Http.PostAsync($"/api/bookings/{cancelled.Id}/cancel", content: null)).EnsureSuccessStatusCode();
        api.Kill();
        await api.DisposeAsync();
        telegram.Delivered.Should().BeEmpty("the replica that committed the bookings sent nothing before it died");
        await Task.Delay(TimeSpan.FromSeconds(3)); // the start reminder came due while no worker ran

        var started = Stopwatch.StartNew();
        await using var next = await WorkerProcess.StartAsync(database, telegram);
        await Eventually.Until(() => telegram.Delivered.Any(d => d.ChatId == chat) && telegram.Delivered.Any(d => d.ChatId == cancelledChat),
            "the start reminder and the cancellation notice", TimeSpan.FromSeconds(60));
        output.WriteLine($"both delivered {started.Elapsed.TotalSeconds:F1} s after the new replica was started");

        started.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(30), "a starting process runs the dispatcher at once, not at the next minute");
        await Task.Delay(500);
        telegram.Delivered.Where(d => d.ChatId == chat).Should().ContainSingle().Which.Text.Should().Contain("Подъёмник 1");
        telegram.Delivered.Where(d => d.ChatId == cancelledChat).Should().ContainSingle().Which.Text.Should().Contain("Подъёмник 2");
        var reminders = await next.Http.GetFromJsonAsync<List<BookingNotificationResponse>>($"/api/bookings/{booking.Id}/notifications");
        await Eventually.Until(async () => (await next.Http.GetFromJsonAsync<List<BookingNotificationResponse>>($"/api/bookings/{booking.Id}/notifications"))!
            .Single(r => r.Type == BookingNotificationTypeCodes.BookingStart).Status == BookingNotificationStatusCodes.Sent, "the start reminder recorded SENT");
        reminders!.Select(r => r.Type).Should().BeEquivalentTo([BookingNotificationTypeCodes.BookingStart, BookingNotificationTypeCodes.BookingEnd]);
        await PostgresServer.DropDatabaseAsync(database);
    }

    [Fact]
    public async Task WB_events_committed_by_a_sync_that_then_died_go_out_within_seconds_of_the_next_start()
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        await using var telegram = await FakeTelegramServer.StartAsync();
        // A worker creates the schema and stops; then a sync's page commits its events the way the sync
        // writes them (same call, same transaction shape) and its process dies before any dispatch.
        await (await WorkerProcess.StartAsync(database, telegram, new Dictionary<string, string?> { ["Hangfire:ServerEnabled"] = "false" })).DisposeAsync();
        var users = new[] { 889_000_001L, 889_000_002L };
        var events = Enumerable.Range(1, 5).Select(i => new WbEvent(WbEventType.NewOrder, $"new_order:crash-{i}", $"🛒 Новый заказ {i}", null)).ToList();
        await using (var connection = new Npgsql.NpgsqlConnection(database))
        {
            await connection.OpenAsync();
            await using var tx = await connection.BeginTransactionAsync();
            var messages = users.SelectMany(u => events.Select(e => WbDeliveryHooks.Message(1, u, e))).ToList();
            (await DeliveryLedger.InsertAsync(connection, tx, messages, DateTimeOffset.UtcNow, CancellationToken.None)).Should().HaveCount(10);
            await tx.CommitAsync();
        }

        var started = Stopwatch.StartNew();
        await using var next = await WorkerProcess.StartAsync(database, telegram);
        await Eventually.Until(() => telegram.Delivered.Count(d => d.ChatId is "889000001" or "889000002") == 10, "the ten messages", TimeSpan.FromSeconds(60));
        output.WriteLine($"all 10 delivered {started.Elapsed.TotalSeconds:F1} s after the new replica was started");

        started.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(30), "a starting process runs the dispatcher at once, not at the next minute");
        await Task.Delay(500);
        telegram.Delivered.Where(d => d.ChatId is "889000001" or "889000002").Select(d => (d.ChatId, d.Text)).Should().OnlyHaveUniqueItems();
        await PostgresServer.DropDatabaseAsync(database);
    }
}

file static class HttpJson
{
    public static async Task<T> Json<T>(this Task<HttpResponseMessage> call)
    {
        using var response = await call;
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<T>())!;
    }
}
