using System.Net.Http.Json;
using System.Text.Json.Nodes;
using FelixHub.Core.Delivery;
using FelixHub.Core.Orders;
using FelixHub.Tests.Infrastructure;
using FelixHub.Tests.Orders;

namespace FelixHub.Tests.Monitoring;

public sealed class BreakerFixture : WorkerFixture
{
    protected override IDictionary<string, string?> Overrides => new Dictionary<string, string?>
    {
        ["Telegram:BreakerMinimumThroughput"] = "4",
        ["Telegram:BreakerFailureRatio"] = "0.8",
        ["Telegram:BreakerSamplingSeconds"] = "30",
        ["Telegram:BreakerBreakSeconds"] = "6",
        ["Hangfire:RetryAttempts"] = "10",
    };
}

[Collection(TelegramBreakerCollection.Name)]
public sealed class CircuitBreakerTests(BreakerFixture fixture) : IClassFixture<BreakerFixture>
{
    private async Task<string> BreakerStateAsync()
    {
        var breakers = (await fixture.Worker.Http.GetFromJsonAsync<JsonArray>("/api/metrics/circuit-breakers"))!;
        return breakers.Single(b => b!["name"]!.GetValue<string>() == "telegram")!["state"]!.GetValue<string>();
    }

    [Fact]
    public async Task An_outage_opens_the_breaker_calls_stop_and_after_recovery_every_message_arrives_once()
    {
        var worker = fixture.Worker;
        var telegram = fixture.Telegram;
        var down = true;
        telegram.Respond(_ => Volatile.Read(ref down) ? FakeReply.ServerError : null);

        var chats = Enumerable.Range(0, 3).Select(_ => TestWorker.NewChatId()).ToList();
        var orders = new List<int>();
        foreach (var chat in chats)
        {
            var mechanic = await worker.CreateMechanicAsync(chat);
            var order = await worker.CreateOrderAsync(mechanic.Id);
            await worker.ChangeStatusAsync(order.Id, OrderStatus.InProgress);
            orders.Add(order.Id);
        }

        await Eventually.Until(async () => await BreakerStateAsync() == "open", "the breaker to open");
        await Task.Delay(300); // an attempt already in flight when it opened may still land
        var callsWhenOpened = telegram.Calls.Count;
        var alerts = (await worker.Http.GetFromJsonAsync<JsonObject>("/api/metrics/alerts"))!;
        alerts["alerts"]!.AsArray().Select(a => a!["rule"]!.GetValue<string>()).Should().Contain("circuit_breaker_open");
        var scrape = await worker.Http.GetStringAsync("/metrics");
        scrape.Should().Contain("felixhub_circuit_breaker_state{breaker=\"telegram\"} 2");
        // Openings are Polly's own telemetry (docs/operations.md maps felixhub_circuit_breaker_openings_total to it).
        scrape.Split('\n').Should().Contain(line => line.StartsWith("resilience_polly_strategy_events_total{", StringComparison.Ordinal)
            && line.Contains("event_name=\"OnCircuitOpened\"", StringComparison.Ordinal) && line.Contains("strategy_name=\"telegram\"", StringComparison.Ordinal));
        // A status change while the breaker is open: its send is not attempted. The message is handed to the
        // dispatch path, due when the break ends: no attempt counted, nothing in the attempt log, its job done.
        var lateChat = TestWorker.NewChatId();
        var lateOrder = await worker.CreateOrderAsync((await worker.CreateMechanicAsync(lateChat)).Id);
        await worker.ChangeStatusAsync(lateOrder.Id, OrderStatus.InProgress);
        chats.Add(lateChat);
        orders.Add(lateOrder.Id);
        await Eventually.Until(async () => (await MessageOfAsync(lateOrder.Id)).NextAttemptAt is not null, "the message to be handed to the dispatcher");
        var postponed = await MessageOfAsync(lateOrder.Id);
        postponed.Should().BeEquivalentTo(new { State = DeliveryStates.Pending, Attempts = 0, JobId = (string?)null }, o => o.ExcludingMissingMembers());
        postponed.LastError.Should().Contain("circuit breaker is open");
        postponed.NextAttemptAt.Should().BeAfter(DateTimeOffset.UtcNow, "due when the break ends");
        (await worker.NotificationLogsAsync(lateOrder.Id)).Should().BeEmpty("Telegram was not called");

        await Task.Delay(1000); // the break lasts 6 s: no half-open probe inside this window
        telegram.Calls.Count.Should().Be(callsWhenOpened, "while the breaker is open, sends fail fast without calling Telegram");

        Volatile.Write(ref down, false);
        await Eventually.Until(() => chats.All(c => telegram.Delivered.Count(d => d.ChatId == c) == 1), "every message after recovery", TimeSpan.FromSeconds(60));
        await Eventually.Until(async () => await BreakerStateAsync() == "closed", "the breaker to close");
        (await worker.Http.GetStringAsync("/metrics")).Should().Contain("felixhub_circuit_breaker_state{breaker=\"telegram\"} 0");
        await Task.Delay(1500);
        chats.Select(c => telegram.Delivered.Count(d => d.ChatId == c)).Should().AllBeEquivalentTo(1, "nothing is lost and nothing sent twice");
        foreach (var order in orders)
            (await worker.NotificationLogsAsync(order)).Count(l => l.Success).Should().Be(1);
        (await worker.NotificationLogsAsync(lateOrder.Id)).Should().ContainSingle("the message sent after the break was attempted once, when it went out");
        (await MessageOfAsync(lateOrder.Id)).Should().BeEquivalentTo(new { State = DeliveryStates.Sent, Attempts = 1 }, o => o.ExcludingMissingMembers());
    }

    private Task<DeliveryMessage> MessageOfAsync(int orderId) =>
        fixture.Worker.DbAsync(db => Task.FromResult(db.DeliveryMessages.Single(m => m.OrderId == orderId && m.ChatId != null && m.Kind == "mechanic_status_change")));
}
