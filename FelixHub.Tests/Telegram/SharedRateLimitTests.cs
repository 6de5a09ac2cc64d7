using FelixHub.Core.Orders;
using FelixHub.Tests.Infrastructure;
using FelixHub.Tests.Orders;

namespace FelixHub.Tests.Telegram;

/// <summary>Three replicas on one database share Telegram's budget: no 429 from a server that enforces the limits.</summary>
public sealed class SharedRateLimitTests : IAsyncLifetime
{
    private readonly List<TestWorker> replicas = [];
    private FakeTelegramServer telegram = null!;

    public async Task InitializeAsync()
    {
        telegram = await FakeTelegramServer.StartAsync();
        telegram.EnforceLimits(perSecond: 30, perChat: TimeSpan.FromSeconds(1));
        var database = await PostgresServer.CreateDatabaseAsync();
        var settings = new Dictionary<string, string?>
        {
            // Headroom below the enforced 30/s for scheduling jitter on a loaded 2-core test machine.
            ["Telegram:GlobalMessagesPerSecond"] = "25",
            ["Telegram:PerChatIntervalMilliseconds"] = "1000",
            ["Hangfire:WorkerCount"] = "6",
        };
        for (var i = 0; i < 3; i++)
            replicas.Add(await TestWorker.StartAsync(database, telegram, settings));
    }

    public async Task DisposeAsync()
    {
        foreach (var replica in replicas) await replica.DisposeAsync();
        await telegram.DisposeAsync();
        await PostgresServer.DropDatabaseAsync(replicas[0].ConnectionString);
    }

    [Fact]
    public async Task Three_replicas_deliver_every_message_without_a_429_and_no_chat_gets_two_within_a_second()
    {
        const int chats = 25;
        const int perChat = 3;
        var orders = new List<(int OrderId, string Chat)>();
        for (var i = 0; i < chats; i++)
        {
            var chat = TestWorker.NewChatId();
            var mechanic = await replicas[i % 3].CreateMechanicAsync(chat);
            for (var j = 0; j < perChat; j++)
                orders.Add(((await replicas[j % 3].CreateOrderAsync(mechanic.Id)).Id, chat));
        }

        // Every status change goes through a different replica than the one that created the order.
        await Task.WhenAll(orders.Select((o, i) => replicas[(i + 1) % 3].ChangeStatusAsync(o.OrderId, OrderStatus.InProgress)));

        await Eventually.Until(() => telegram.Delivered.Count == chats * perChat, "every message", TimeSpan.FromSeconds(60));
        telegram.TooManyRequests.Should().Be(0);
        foreach (var group in telegram.Delivered.GroupBy(d => d.ChatId))
        {
            var times = group.Select(d => d.At).Order().ToList();
            times.Zip(times.Skip(1), (a, b) => b - a).Should().OnlyContain(gap => gap >= TimeSpan.FromMilliseconds(990), $"chat {group.Key} gets at most one message a second");
        }
        var delivered = telegram.Delivered.Select(d => d.At).Order().ToList();
        for (var i = 30; i < delivered.Count; i++)
            (delivered[i] - delivered[i - 30]).Should().BeGreaterThanOrEqualTo(TimeSpan.FromSeconds(1), "no second carries more than 30 messages");
    }
}
