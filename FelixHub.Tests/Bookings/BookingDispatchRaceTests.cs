using System.Diagnostics;
using FelixHub.Core.Bookings;
using FelixHub.Core.Delivery;
using FelixHub.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace FelixHub.Tests.Bookings;

/// <summary>Several dispatchers on one database: two worker hosts (replicas), two dispatchers in each.</summary>
public sealed class BookingDispatchRaceTests(ITestOutputHelper output)
{
    private const int Bookings = 125;
    private const int RemindersPerBooking = 4;

    [Fact]
    public async Task Two_replicas_racing_over_500_due_reminders_send_each_exactly_once()
    {
        await using var telegram = await FakeTelegramServer.StartAsync();
        telegram.Respond(_ => new FakeReply(200, Delay: TimeSpan.FromMilliseconds(3))); // a little latency, so the dispatchers overlap
        var database = await PostgresServer.CreateDatabaseAsync();
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 2, 6, 0, 0, TimeSpan.Zero));
        var settings = new Dictionary<string, string?>
        {
            ["Delivery:DispatchCron"] = BookingFixture.NeverCron,
            ["Delivery:BatchSize"] = "20",
            ["Hangfire:ServerEnabled"] = "false",
            ["Telegram:MaxRetryAttempts"] = "0",
        };
        try
        {
            await using var replicaA = await TestWorker.StartAsync(database, telegram, settings, s => s.AddSingleton<TimeProvider>(clock));
            await using var replicaB = await TestWorker.StartAsync(database, telegram, settings, s => s.AddSingleton<TimeProvider>(clock));
            var chats = await SeedDueRemindersAsync(replicaA, clock.GetUtcNow());

            // Four dispatchers (two per replica, each in its own DI scope) start together. They call the
            // dispatcher directly: the job's per-process gate would make the second of a replica skip.
            // A chat gets one message per turn (its pacing interval): the clock moves on a second between rounds.
            var watch = Stopwatch.StartNew();
            var runs = new List<DispatchSummary>();
            for (var round = 0; round < RemindersPerBooking * 3 && runs.Sum(r => r.Sent) < Bookings * RemindersPerBooking; round++)
            {
                runs.AddRange(await Task.WhenAll(new[] { replicaA, replicaA, replicaB, replicaB }.Select(replica => Task.Run(() =>
                    replica.InScopeAsync(sp => sp.GetRequiredService<DeliveryDispatcher>().RunAsync(CancellationToken.None))))));
                clock.Advance(TimeSpan.FromSeconds(1));
            }
            watch.Stop();

            var calls = telegram.Calls.Where(c => chats.Contains(c.ChatId!)).ToList();
            calls.Should().HaveCount(Bookings * RemindersPerBooking, "each reminder is sent once and only once");
            calls.Select(c => (c.ChatId, c.Text)).Distinct().Should().HaveCount(Bookings * RemindersPerBooking);
            runs.Sum(r => r.Sent).Should().Be(Bookings * RemindersPerBooking);
            runs.Sum(r => r.Claimed).Should().Be(runs.Sum(r => r.Sent + r.Deferred), "a claimed reminder was either sent or handed back for its chat's next turn");
            runs.Count(r => r.Sent > 0).Should().BeGreaterThan(1, "the dispatchers shared the work");
            var rows = await replicaB.DbAsync(db => db.Set<DeliveryMessage>().AsNoTracking().ToListAsync());
            rows.Should().HaveCount(Bookings * RemindersPerBooking)
                .And.OnlyContain(n => n.State == DeliveryStates.Sent && n.Attempts == 1 && n.ClaimToken == null && n.TelegramMessageId != null && n.NextAttemptAt == null);

            output.WriteLine($"{calls.Count} reminders sent by 4 dispatchers on 2 replicas in {watch.ElapsedMilliseconds} ms: "
                + string.Join(", ", runs.Select(r => r.ToString())));
        }
        finally
        {
            await PostgresServer.DropDatabaseAsync(database);
        }
    }

    /// <summary>125 users (own chats) with a booking two days ahead whose four reminders are all due now (ledger rows inserted directly).</summary>
    private static async Task<HashSet<string>> SeedDueRemindersAsync(TestWorker worker, DateTimeOffset now)
    {
        var chats = new HashSet<string>();
        await worker.DbAsync(async db =>
        {
            for (var i = 0; i < Bookings; i++)
            {
                var chat = TestWorker.NewChatId();
                chats.Add(chat);
                var user = new User { TelegramId = chat, Name = $"Пользователь {i}", CreatedAt = now };
                var booking = new Booking
                {
                    User = user,
                    ResourceName = $"Ресурс {i}",
                    StartTime = now.AddDays(2),
                    EndTime = now.AddDays(2).AddHours(1),
                    CreatedAt = now,
                };
                db.Add(booking);
                await db.SaveChangesAsync();
                foreach (var type in ReminderPlan.Planned)
                {
                    var due = now.AddSeconds(-i);
                    db.Add(new DeliveryMessage
                    {
                        Kind = type.ToCode(), DedupKey = $"race:{booking.Id}:{type}", ChatId = chat, Text = $"{type} {booking.ResourceName}",
                        BookingId = booking.Id, DueAt = due, NextAttemptAt = due, CreatedAt = now,
                    });
                }
            }
            return await db.SaveChangesAsync();
        });
        return chats;
    }
}
