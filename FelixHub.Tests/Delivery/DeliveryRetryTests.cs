using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using FelixHub.Core.Delivery;
using FelixHub.Core.Orders;
using FelixHub.Tests.Infrastructure;
using FelixHub.Tests.Orders;
using Hangfire;
using Microsoft.Extensions.DependencyInjection;

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
        // Telegram has a message a moment before its state and attempt row commit.
        var logs = new List<NotificationLogResponse>();
        await Eventually.Until(async () =>
        {
            logs.Clear();
            foreach (var id in orders) logs.AddRange(await worker.NotificationLogsAsync(id));
            return logs.Count(l => l.Success) == messages;
        }, "every delivery recorded");
        logs.Count(l => !l.Success).Should().Be(messages, "each message's first attempt failed and was logged");
        logs.Count(l => l.Success).Should().Be(messages);

        var rate = (await worker.Http.GetFromJsonAsync<JsonObject>("/api/metrics/notifications/success-rate?hours=1"))!;
        rate["total"]!.GetValue<long>().Should().BeGreaterThanOrEqualTo(messages);
        rate["failed"]!.GetValue<long>().Should().Be(0);
        rate["successRate"]!.GetValue<double>().Should().Be(100);
        var alerts = (await worker.Http.GetFromJsonAsync<JsonObject>("/api/metrics/alerts"))!["alerts"]!.AsArray();
        alerts.Select(a => a!["rule"]!.GetValue<string>()).Should().NotContain(["notification_success_rate", "notification_failure_spike"]);
        (await worker.Http.GetAsync("/health")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Requeueing_the_send_job_of_a_failed_message_from_the_dashboard_sends_it_again()
    {
        var chat = TestWorker.NewChatId();
        fixture.Telegram.Respond(call => call.ChatId == chat ? FakeReply.Blocked : null);
        var mechanic = await worker.CreateMechanicAsync(chat);
        var order = await worker.CreateOrderAsync(mechanic.Id);
        await worker.ChangeStatusAsync(order.Id, OrderStatus.InProgress);
        await Eventually.Until(async () => (await MessageOfAsync(order.Id)).State == DeliveryStates.Failed, "the message failed for good");

        // The mechanic unblocks the bot; an operator requeues the job (the dashboard's Requeue button).
        fixture.Telegram.Respond(_ => null);
        var jobId = (await MessageOfAsync(order.Id)).JobId!;
        worker.Services.GetRequiredService<IBackgroundJobClient>().Requeue(jobId).Should().BeTrue();

        await Eventually.Until(() => fixture.Telegram.Delivered.Any(d => d.ChatId == chat), "the resent message");
        await Eventually.Until(async () => (await MessageOfAsync(order.Id)).State == DeliveryStates.Sent, "the ledger to say sent");
        (await MessageOfAsync(order.Id)).Attempts.Should().Be(2);
        (await worker.NotificationLogsAsync(order.Id)).Select(l => l.Success).Should().BeEquivalentTo([false, true]);
    }

    private Task<DeliveryMessage> MessageOfAsync(int orderId) =>
        worker.DbAsync(db => Task.FromResult(db.DeliveryMessages.Single(m => m.OrderId == orderId)));
}
