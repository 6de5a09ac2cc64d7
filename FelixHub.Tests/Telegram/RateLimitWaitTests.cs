using FelixHub.Core.Orders;
using FelixHub.Tests.Infrastructure;
using FelixHub.Tests.Orders;

namespace FelixHub.Tests.Telegram;

/// <summary>
/// Waiting for the chat's or the bot's turn is pacing, not Telegram being slow: a queue of messages
/// longer than the per-call timeout still goes out in order, without failed attempts, and a wait that
/// ends early never leaves its chat held.
/// </summary>
public sealed class RateLimitWaitTests : IAsyncLifetime
{
    private FakeTelegramServer telegram = null!;
    private TestWorker worker = null!;

    public async Task InitializeAsync()
    {
        telegram = await FakeTelegramServer.StartAsync();
        telegram.EnforceLimits(perSecond: 30, perChat: TimeSpan.FromSeconds(1));
        worker = await TestWorker.StartAsync(await PostgresServer.CreateDatabaseAsync(), telegram, new Dictionary<string, string?>
        {
            // Two messages a second for the bot and a one-second call timeout: most sends wait longer
            // for their turn than one call may take.
            ["Telegram:GlobalMessagesPerSecond"] = "2",
            ["Telegram:PerChatIntervalMilliseconds"] = "1000",
            ["Telegram:RequestTimeoutSeconds"] = "1",
            ["Hangfire:WorkerCount"] = "8",
        });
    }

    public async Task DisposeAsync()
    {
        await worker.DisposeAsync();
        await telegram.DisposeAsync();
        await PostgresServer.DropDatabaseAsync(worker.ConnectionString);
    }

    [Fact]
    public async Task Messages_queued_behind_the_bots_and_the_chats_budget_all_go_out_without_a_failed_attempt()
    {
        var orders = new List<int>();
        for (var i = 0; i < 3; i++)
        {
            var mechanic = await worker.CreateMechanicAsync(TestWorker.NewChatId());
            for (var j = 0; j < 2; j++) orders.Add((await worker.CreateOrderAsync(mechanic.Id)).Id);
        }

        await Task.WhenAll(orders.Select(id => worker.ChangeStatusAsync(id, OrderStatus.InProgress)));

        // Six messages at 2/s take about 3 s; a chat left held by a cancelled wait would take minutes.
        await Eventually.Until(() => telegram.Delivered.Count == orders.Count, "every message", TimeSpan.FromSeconds(20));
        telegram.TooManyRequests.Should().Be(0);
        telegram.Calls.Count(c => c.Method == "sendMessage").Should().Be(orders.Count, "no call was repeated");
        worker.Logs.Containing("failed after retries").Should().BeEmpty("waiting for a turn is not a failed send");
        worker.Logs.Events.Where(e => e.Exception is not null).Select(e => e.RenderMessage()).Should().BeEmpty();
    }
}
