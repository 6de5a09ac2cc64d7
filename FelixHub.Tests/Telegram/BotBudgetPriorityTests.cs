using FelixHub.Core.Delivery;
using FelixHub.Core.Orders;
using FelixHub.Tests.Bookings;
using FelixHub.Tests.Infrastructure;
using FelixHub.Tests.Orders;
using Microsoft.Extensions.DependencyInjection;

namespace FelixHub.Tests.Telegram;

/// <summary>
/// Priority classes on the bot's shared budget: three replicas drain a few hundred bulk messages at the
/// bot's rate while status changes are made; each status change's message goes out ahead of the bulk
/// still waiting, with no 429, nothing lost and nothing twice.
/// </summary>
public sealed class BotBudgetPriorityTests : IAsyncLifetime
{
    private const int BulkCount = 400;
    private const int BotRate = 20;
    private const int StatusChanges = 6;

    private readonly List<TestWorker> replicas = [];
    private FakeTelegramServer telegram = null!;

    public async Task InitializeAsync()
    {
        telegram = await FakeTelegramServer.StartAsync();
        telegram.EnforceLimits(perSecond: 30, perChat: TimeSpan.FromSeconds(1));
        var database = await PostgresServer.CreateDatabaseAsync();
        var settings = new Dictionary<string, string?>
        {
            // Wide headroom below the enforced 30/s: a loaded test machine delays some sends more than others.
            ["Telegram:GlobalMessagesPerSecond"] = BotRate.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Telegram:PerChatIntervalMilliseconds"] = "1000",
            ["Telegram:BulkHorizonMilliseconds"] = "500",
            ["Telegram:HighPriorityHorizonMilliseconds"] = "2000",
            // A kind of the test's own, made bulk by configuration (as a digest would be).
            ["Delivery:Priorities:test_digest"] = "Bulk",
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
    public async Task Status_changes_reach_the_mechanic_ahead_of_a_bulk_backlog_without_a_429()
    {
        var mechanicChats = new HashSet<string>(StringComparer.Ordinal);
        var orders = new List<int>();
        for (var i = 0; i < StatusChanges; i++)
        {
            var chat = TestWorker.NewChatId();
            mechanicChats.Add(chat);
            var mechanic = await replicas[i % 3].CreateMechanicAsync(chat);
            orders.Add((await replicas[(i + 1) % 3].CreateOrderAsync(mechanic.Id)).Id);
        }
        var bulkChats = Enumerable.Range(0, BulkCount).Select(_ => TestWorker.NewChatId()).ToList();
        await replicas[0].InScopeAsync(async sp =>
        {
            using var scope = DeliveryTransaction.Begin();
            await sp.GetRequiredService<DeliveryOutbox>().WriteAsync(
                bulkChats.Select((chat, i) => new OutgoingMessage("test_digest", $"digest-{i}-{chat}", chat, $"Сводка №{i}") { Bulk = true }).ToList(),
                CancellationToken.None);
            scope.Complete();
            return 0;
        });

        // Every replica drains the backlog (besides the run the write started).
        var drains = replicas.Select(r => Task.Run(r.DispatchAsync)).ToList();
        int BulkDelivered() => telegram.Delivered.Count(d => !mechanicChats.Contains(d.ChatId!));
        await Eventually.Until(() => BulkDelivered() >= BotRate, "the bulk drain under way");

        // One status change a second while the backlog drains, each through another replica.
        var patchedAt = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        var bulkLeftAtPatch = new Dictionary<string, int>(StringComparer.Ordinal);
        var chats = mechanicChats.ToList();
        for (var i = 0; i < StatusChanges; i++)
        {
            bulkLeftAtPatch[chats[i]] = BulkCount - BulkDelivered();
            patchedAt[chats[i]] = DateTimeOffset.UtcNow;
            await replicas[i % 3].ChangeStatusAsync(orders[i], OrderStatus.InProgress);
            await Task.Delay(TimeSpan.FromSeconds(1));
        }

        await Eventually.Until(() => telegram.Delivered.Count >= BulkCount + StatusChanges, "every message", TimeSpan.FromSeconds(120));
        await Task.WhenAll(drains);
        var delivered = telegram.Delivered.ToList();

        telegram.TooManyRequests.Should().Be(0, "the replicas share the bot's budget");
        delivered.Should().HaveCount(BulkCount + StatusChanges, "nothing is sent twice");
        delivered.Select(d => d.ChatId).Should().BeEquivalentTo(bulkChats.Concat(chats), "every message arrives once, to its chat");

        var bulkTimes = delivered.Where(d => !mechanicChats.Contains(d.ChatId!)).Select(d => d.At).Order().ToList();
        bulkLeftAtPatch.Values.Should().OnlyContain(left => left > 4 * BotRate,
            "each status change was made with more than 4 s of bulk still to go at the bot's rate (a FIFO would send it after that)");
        foreach (var chat in chats)
        {
            var arrived = delivered.Single(d => d.ChatId == chat).At;
            var bulkAfter = bulkTimes.Count(t => t > arrived);
            // Queued behind the bulk left at its PATCH, it would come after all of it; with priority it
            // waits for at most the bulk horizon plus its job's pick-up.
            bulkAfter.Should().BeGreaterThan(bulkLeftAtPatch[chat] - 3 * BotRate,
                $"the status change to {chat} overtook the bulk backlog ({bulkLeftAtPatch[chat]} left at its PATCH)");
            var queuedBehindBulk = TimeSpan.FromSeconds((double)bulkLeftAtPatch[chat] / BotRate);
            (arrived - patchedAt[chat]).Should().BeLessThan(queuedBehindBulk - TimeSpan.FromSeconds(1),
                $"behind the {bulkLeftAtPatch[chat]} bulk messages left at its PATCH it would have taken {queuedBehindBulk.TotalSeconds:0.#} s");
        }
    }
}
