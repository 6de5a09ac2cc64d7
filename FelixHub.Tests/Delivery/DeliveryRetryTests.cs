using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using FelixHub.Core.Orders;
using FelixHub.Tests.Infrastructure;
using FelixHub.Tests.Orders;

namespace FelixHub.Tests.Delivery;

/// <summary>Rates and alerts count messages, not attempts: a message that failed once and was then delivered is a success.</summary>
public sealed class DeliveryRetryTests(WorkerFixture fixture) : IClassFixture<WorkerFixture>
{
    private readonly TestWorker worker = fixture.Worker;

    [Fact]
    public async Task Telegram_failing_each_messages_first_attempt_then_answering_200_gives_a_100_percent_success_rate_and_no_alert()
    {
        const int messages = 25; // above the success-rate rule's minimum sample of 20
        var calls = new ConcurrentDictionary<string, int>();
        // Four 500s per chat: the first attempt's call and its three in-call retries all fail, so the
        // attempt is logged as failed and Hangfire's retry delivers.
        fixture.Telegram.Respond(call => call.ChatId is { } chat && calls.AddOrUpdate(chat, 1, (_, n) => n + 1) <= 4 ? FakeReply.ServerError : null);
        var orders = new List<int>();
        for (var i = 0; i < messages; i++)
        {
            var mechanic = await worker.CreateMechanicAsync(TestWorker.NewChatId());
            orders.Add((await worker.CreateOrderAsync(mechanic.Id)).Id);
        }

        foreach (var id in orders) await worker.ChangeStatusAsync(id, OrderStatus.InProgress);

        await Eventually.Until(() => fixture.Telegram.Delivered.Count >= messages, "every message delivered after its retry", TimeSpan.FromSeconds(60));
        var logs = new List<NotificationLogResponse>();
        foreach (var id in orders) logs.AddRange(await worker.NotificationLogsAsync(id));
        logs.Count(l => !l.Success).Should().Be(messages, "each message's first attempt failed and was logged");
        logs.Count(l => l.Success).Should().Be(messages);

        var rate = (await worker.Http.GetFromJsonAsync<JsonObject>("/api/metrics/notifications/success-rate?hours=1"))!;
        rate["total"]!.GetValue<long>().Should().Be(messages);
        rate["failed"]!.GetValue<long>().Should().Be(0);
        rate["successRate"]!.GetValue<double>().Should().Be(100);
        var alerts = (await worker.Http.GetFromJsonAsync<JsonObject>("/api/metrics/alerts"))!["alerts"]!.AsArray();
        alerts.Select(a => a!["rule"]!.GetValue<string>()).Should().NotContain(["notification_success_rate", "notification_failure_spike"]);
        (await worker.Http.GetAsync("/health")).StatusCode.Should().Be(HttpStatusCode.OK);
    }
}
