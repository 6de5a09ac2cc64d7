using System.Diagnostics;
using FelixHub.Core.Orders;
using FelixHub.Tests.Infrastructure;
using FelixHub.Tests.Orders;
using Xunit.Abstractions;

namespace FelixHub.Tests.Reliability;

/// <summary>
/// Telegram answers 500, then times out, then answers 429 with a long retry_after, for 2 minutes (40 s
/// each): messages wait in the breaker and Hangfire's retries, all arrive after the recovery, none
/// twice. The test mostly waits, so it runs beside the rest of the suite rather than among the
/// sequential fault tests.
/// </summary>
[Collection(FelixHub.Tests.Monitoring.TelegramBreakerCollection.Name)]
public sealed class TelegramOutageTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Phase = TimeSpan.FromSeconds(40);

    [Fact]
    public async Task Messages_wait_out_500s_timeouts_and_429s_and_all_arrive_once_after_the_recovery()
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        await using var telegram = await FakeTelegramServer.StartAsync();
        var clock = Stopwatch.StartNew();
        int errors = 0, timeouts = 0, tooMany = 0;
        telegram.Respond(_ =>
        {
            var phase = (int)(clock.Elapsed / Phase);
            switch (phase)
            {
                case 0:
                    Interlocked.Increment(ref errors);
                    return FakeReply.ServerError;
                case 1:
                    Interlocked.Increment(ref timeouts);
                    return new FakeReply(200, Delay: TimeSpan.FromSeconds(30)); // never answered in time
                case 2:
                    Interlocked.Increment(ref tooMany);
                    return FakeReply.TooManyRequests(5); // longer than this worker waits inside one send
                default:
                    return null;
            }
        });
        var recoveredAt = Phase * 3;
        await using var worker = await TestWorker.StartAsync(database, telegram, new Dictionary<string, string?>
        {
            ["Telegram:RequestTimeoutSeconds"] = "2",
            ["Telegram:MaxRetryAfterSeconds"] = "2",
            ["Telegram:BreakerMinimumThroughput"] = "5",
            ["Telegram:BreakerSamplingSeconds"] = "10",
            ["Telegram:BreakerBreakSeconds"] = "5",
            // A constant break (no doubling after failed probes), so each phase's failures reach Telegram.
            ["Telegram:BreakerMaxBreakSeconds"] = "5",
            // Production retries after 30 s, 2 min and 10 min, which carry a message through a 2-minute
            // outage but take 12 minutes to run out; here more, shorter retries cover the same 2 minutes.
            ["Hangfire:RetryAttempts"] = "8",
            ["Hangfire:RetryDelaysSeconds:0"] = "5",
            ["Hangfire:RetryDelaysSeconds:1"] = "10",
            ["Hangfire:RetryDelaysSeconds:2"] = "20",
            ["Hangfire:RetryDelaysSeconds:3"] = "30",
            ["Hangfire:RetryDelaysSeconds:4"] = "30",
            ["Hangfire:RetryDelaysSeconds:5"] = "30",
            ["Hangfire:RetryDelaysSeconds:6"] = "30",
            ["Hangfire:RetryDelaysSeconds:7"] = "30",
        });

        var chats = new List<string>();
        for (var wave = 0; wave < 3; wave++)
        {
            // Ten status changes at the start of each bad phase.
            while (clock.Elapsed < Phase * wave) await Task.Delay(50);
            for (var i = 0; i < 10; i++)
            {
                var chat = TestWorker.NewChatId();
                var order = await worker.CreateOrderAsync((await worker.CreateMechanicAsync(chat)).Id);
                await worker.ChangeStatusAsync(order.Id, OrderStatus.Ready);
                chats.Add(chat);
            }
        }

        var arrived = await Eventually.Within(TimeSpan.FromSeconds(150), () => chats.All(c => telegram.Delivered.Any(d => d.ChatId == c)));
        var lastArrival = telegram.Delivered.Max(d => d.At);
        await Eventually.Within(TimeSpan.FromSeconds(20), () => worker.HangfireStatistics() is { Enqueued: 0, Processing: 0, Scheduled: 0 });
        await Task.Delay(TimeSpan.FromSeconds(1));

        var perChat = chats.ToDictionary(c => c, c => telegram.Delivered.Count(d => d.ChatId == c));
        var failures = await MechanicMessages.ScalarAsync(database, "SELECT count(*) FROM notification_logs WHERE NOT success");
        // Sends the open breaker spared Telegram: not attempts, so not in the attempt log; handed to the dispatcher.
        var failFast = worker.Logs.Containing("handed to the dispatcher").Count(e => e.RenderMessage().Contains("circuit breaker is open", StringComparison.Ordinal));
        var notAttemptedLogged = await MechanicMessages.ScalarAsync(database, "SELECT count(*) FROM notification_logs WHERE error_message LIKE '%circuit breaker is open%'");
        var successRows = await MechanicMessages.ScalarAsync(database, "SELECT count(*) FROM notification_logs WHERE success");
        var stats = worker.HangfireStatistics();
        var allDeliveredAfterRecovery = lastArrival - (DateTimeOffset.UtcNow - clock.Elapsed) - recoveredAt;

        output.WriteLine($"Telegram down for {recoveredAt.TotalSeconds:F0} s: 500 × {errors}, timeouts × {timeouts}, 429 × {tooMany}; calls in all {telegram.Calls.Count}");
        output.WriteLine($"failed attempts logged {failures}; sends the open breaker spared (not attempts, handed to the dispatcher): {failFast}; hangfire succeeded {stats.Succeeded}, failed {stats.Failed}");
        output.WriteLine($"expected {chats.Count}, delivered {perChat.Values.Sum()}, duplicated {perChat.Values.Sum(c => Math.Max(0, c - 1))}, lost {perChat.Values.Count(c => c == 0)}; last arrival {allDeliveredAfterRecovery.TotalSeconds:F1} s after the recovery");

        arrived.Should().BeTrue("every message arrives after Telegram recovers");
        perChat.Values.Should().OnlyContain(c => c == 1, "nothing is lost and nothing is sent twice");
        successRows.Should().Be(chats.Count);
        (errors > 0 && timeouts > 0 && tooMany > 0).Should().BeTrue("each kind of failure was met");
        failFast.Should().BeGreaterThan(0, "the breaker opened and spared Telegram some calls");
        notAttemptedLogged.Should().Be(0, "a send the open breaker spared is no attempt of the message");
        stats.Failed.Should().Be(0, "no message reached the dead-letter state");
        await PostgresServer.DropDatabaseAsync(database);
    }
}
