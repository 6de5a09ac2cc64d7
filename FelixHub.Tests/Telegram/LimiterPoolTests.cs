using FelixHub.Core.Delivery;
using FelixHub.Core.Orders;
using FelixHub.Tests.Bookings;
using FelixHub.Tests.Infrastructure;
using FelixHub.Tests.Orders;

namespace FelixHub.Tests.Telegram;

/// <summary>
/// A send holds an application connection (its message's row lock) while Telegram is called, and each of its
/// attempts takes a rate-limit slot with one more statement. Through a 5xx storm every sender retries for
/// seconds: job-path sends on every Hangfire worker and a dispatch pass (reminders) hold the whole application
/// pool. The rate limiter has a pool of its own, so their slots never wait for the connections they hold.
/// </summary>
public sealed class LimiterPoolTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task Senders_holding_every_application_connection_through_a_5xx_storm_still_get_their_slots_and_every_message_arrives_once()
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        await using var telegram = await FakeTelegramServer.StartAsync();
        var stormUntilTicks = DateTimeOffset.MaxValue.UtcTicks;
        telegram.Respond(call => call.ChatId is not null && DateTimeOffset.UtcNow.UtcTicks < Interlocked.Read(ref stormUntilTicks) ? FakeReply.BadGateway : null);
        await using var worker = await TestWorker.StartAsync(database, telegram, new Dictionary<string, string?>
        {
            // 4 workers and one connection more: the production ratio (10 + 1).
            ["Hangfire:WorkerCount"] = "4",
            ["Database:MaxPoolSize"] = "5",
            // Production pacing, so every attempt takes its slot in the database, and production's in-call
            // retries (1 s, 2 s, 4 s), so a send holds its connection for seconds.
            ["Telegram:GlobalMessagesPerSecond"] = "28.5",
            ["Telegram:PerChatIntervalMilliseconds"] = "1000",
            ["Telegram:RetryBaseDelayMilliseconds"] = "1000",
            ["Delivery:RetryBaseDelaySeconds"] = "5",
        });

        Interlocked.Exchange(ref stormUntilTicks, DateTimeOffset.UtcNow.AddSeconds(6).UtcTicks);
        var chats = new List<string>();
        for (var i = 0; i < 8; i++)
        {
            var chat = TestWorker.NewChatId();
            var order = await worker.CreateOrderAsync((await worker.CreateMechanicAsync(chat)).Id);
            await worker.ChangeStatusAsync(order.Id, OrderStatus.InProgress);
            chats.Add(chat);

            // A booking an hour and a few seconds ahead: its 1-hour reminder comes due within the storm, on the dispatch path.
            var bookingChat = TestWorker.NewChatId();
            var user = await worker.CreateUserAsync(bookingChat);
            var start = DateTimeOffset.UtcNow.AddHours(1).AddSeconds(2);
            await worker.CreateBookingAsync(user.Id, start, start.AddMinutes(30), $"Бокс {i}");
            chats.Add(bookingChat);
        }

        var arrived = await Eventually.Within(TimeSpan.FromSeconds(120), () => chats.All(c => telegram.Delivered.Any(d => d.ChatId == c)));
        if (!arrived)
        {
            var rows = await worker.DbAsync(db => Task.FromResult(db.DeliveryMessages.Where(m => m.ChatId != null && chats.Contains(m.ChatId)).ToList()));
            foreach (var r in rows.Where(r => !telegram.Delivered.Any(d => d.ChatId == r.ChatId)))
                output.WriteLine($"not delivered: #{r.Id} {r.Kind} to {r.ChatId}: {r.State}, attempts {r.Attempts}, next {r.NextAttemptAt:O}, job {r.JobId}, error {r.LastError}");
            output.WriteLine(string.Join('\n', worker.Logs.Events.Where(e => e.Level >= Serilog.Events.LogEventLevel.Warning).Select(e => e.RenderMessage()).Distinct().Take(40)));
        }
        arrived.Should().BeTrue("every message arrives after the storm");
        await Task.Delay(500);
        chats.Select(c => telegram.Delivered.Count(d => d.ChatId == c)).Should().AllBeEquivalentTo(1, "nothing is lost and nothing sent twice");
        // Without a pool of its own, the limiter's statements waited for the pool until its timeout ("The connection
        // pool has been exhausted", whose inner exception the due-time waker logs: "The operation has timed out").
        worker.Logs.AllText().Should().NotContain("connection pool has been exhausted", "the rate limiter's statements do not wait for the application connections their senders hold")
            .And.NotContain("The operation has timed out");
        await PostgresServer.DropDatabaseAsync(database);
    }
}
