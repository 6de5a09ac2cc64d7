using System.Diagnostics;
using FelixHub.Core.Orders;
using FelixHub.Tests.Infrastructure;
using FelixHub.Tests.Orders;

namespace FelixHub.Tests.Hosting;

/// <summary>
/// Idle workers learn of a new job from PostgreSQL's LISTEN/NOTIFY (one listener per process), not
/// from their queue poll: here the poll is a minute, so anything under a few seconds is the wake-up.
/// </summary>
public sealed class HangfireQueueWakeTests
{
    private static readonly Dictionary<string, string?> SlowPoll = new() { ["Hangfire:QueuePollIntervalSeconds"] = "60" };

    [Fact]
    public async Task A_status_change_made_on_another_replica_is_sent_at_once_by_an_idle_worker()
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        await using var telegram = await FakeTelegramServer.StartAsync();
        await using var worker = await TestWorker.StartAsync(database, telegram, SlowPoll);
        await using var api = await TestWorker.StartAsync(database, telegram, new Dictionary<string, string?>(SlowPoll) { ["Hangfire:ServerEnabled"] = "false" });
        var chat = TestWorker.NewChatId();
        var order = await api.CreateOrderAsync((await api.CreateMechanicAsync(chat)).Id);
        await Task.Delay(TimeSpan.FromSeconds(2)); // every worker has polled once and waits now

        var clock = Stopwatch.StartNew();
        await api.ChangeStatusAsync(order.Id, OrderStatus.InProgress);
        await Eventually.Until(() => telegram.Delivered.Any(d => d.ChatId == chat), "the notification", TimeSpan.FromSeconds(30));

        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(5), "a NOTIFY wakes the idle workers; the poll would take up to a minute");
        await PostgresServer.DropDatabaseAsync(database);
    }

    [Fact]
    public async Task A_burst_of_jobs_wakes_several_workers_not_one()
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        await using var telegram = await FakeTelegramServer.StartAsync();
        telegram.Respond(_ => new FakeReply(200, Delay: TimeSpan.FromSeconds(2)));
        await using var worker = await TestWorker.StartAsync(database, telegram, SlowPoll);
        var chats = Enumerable.Range(0, 4).Select(_ => TestWorker.NewChatId()).ToList();
        var orders = new List<int>();
        foreach (var chat in chats) orders.Add((await worker.CreateOrderAsync((await worker.CreateMechanicAsync(chat)).Id)).Id);
        await Task.Delay(TimeSpan.FromSeconds(2));

        var clock = Stopwatch.StartNew();
        await Task.WhenAll(orders.Select(id => worker.ChangeStatusAsync(id, OrderStatus.InProgress)));
        await Eventually.Until(() => chats.All(c => telegram.Delivered.Any(d => d.ChatId == c)), "all four notifications", TimeSpan.FromSeconds(60));

        // Four 2-second sends: side by side on four workers about 2 s; one woken worker alone would take 8 s.
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(6));
        await PostgresServer.DropDatabaseAsync(database);
    }
}
