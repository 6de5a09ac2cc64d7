using FelixHub.Core.Delivery;
using FelixHub.Tests.Bookings;
using FelixHub.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace FelixHub.Tests.Telegram;

/// <summary>
/// On the bulk path a retry is a call like any other: the messages Telegram answered 429 are tried
/// again a retry_after later, each on a slot of the bot's budget, not all together on top of it (which
/// would draw more 429s, and their retries more again).
/// </summary>
public sealed class BatchRetryPacingTests : IAsyncLifetime
{
    private const int BotRate = 20;
    private const int Messages = 80;
    private const int RefusedFirst = 15;

    private FakeTelegramServer telegram = null!;
    private TestWorker worker = null!;

    public async Task InitializeAsync()
    {
        telegram = await FakeTelegramServer.StartAsync();
        telegram.EnforceLimits(perSecond: 30, perChat: TimeSpan.FromSeconds(1));
        worker = await TestWorker.StartAsync(await PostgresServer.CreateDatabaseAsync(), telegram, new Dictionary<string, string?>
        {
            // Headroom below the enforced 30/s for a loaded test machine: the retries of 15 refused
            // messages sent together on top of 20/s are over it, paced they are not.
            ["Telegram:GlobalMessagesPerSecond"] = BotRate.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Telegram:PerChatIntervalMilliseconds"] = "1000",
        });
    }

    public async Task DisposeAsync()
    {
        await worker.DisposeAsync();
        await telegram.DisposeAsync();
        await PostgresServer.DropDatabaseAsync(worker.ConnectionString);
    }

    [Fact]
    public async Task Messages_answered_429_are_retried_on_slots_of_the_bots_budget_without_drawing_more_429s()
    {
        // Telegram refuses the batch's first messages (as after a burst of someone else's), then enforces its limits.
        var refusals = RefusedFirst;
        telegram.Respond(call => call.Method == "sendMessage" && Interlocked.Decrement(ref refusals) >= 0 ? FakeReply.TooManyRequests(1) : null);
        var chats = Enumerable.Range(0, Messages).Select(_ => TestWorker.NewChatId()).ToList();
        await worker.InScopeAsync(async sp =>
        {
            using var scope = DeliveryTransaction.Begin();
            await sp.GetRequiredService<DeliveryOutbox>().WriteAsync(
                chats.Select((chat, i) => new OutgoingMessage("test_digest", $"digest-{i}-{chat}", chat, $"Сводка №{i}") { Bulk = true }).ToList(),
                CancellationToken.None);
            scope.Complete();
            return 0;
        });
        await worker.DispatchAsync();

        await Eventually.Until(() => telegram.Delivered.Count >= Messages, "every message", TimeSpan.FromSeconds(60));
        telegram.Calls.Count(c => c.Method == "sendMessage").Should().Be(Messages + RefusedFirst, "each refused message was tried once more, nothing else was refused");
        telegram.TooManyRequests.Should().Be(0, "the retries took slots of the bot's budget like every other call");
        telegram.Delivered.Select(d => d.ChatId).Should().BeEquivalentTo(chats, "every message arrives once");
    }
}
