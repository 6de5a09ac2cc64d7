using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using FelixHub.Core.Orders;
using FelixHub.Tests.Infrastructure;
using FelixHub.Tests.Orders;

namespace FelixHub.Tests.Monitoring;

public sealed class MetricsApiTests(WorkerFixture fixture) : IClassFixture<WorkerFixture>
{
    private readonly TestWorker worker = fixture.Worker;

    [Fact]
    public async Task The_eight_metrics_endpoints_report_what_happened_today()
    {
        var chat = TestWorker.NewChatId();
        var mechanic = await worker.CreateMechanicAsync(chat);
        var order = await worker.CreateOrderAsync(mechanic.Id);
        await worker.ChangeStatusAsync(order.Id, OrderStatus.InProgress);
        await worker.ChangeStatusAsync(order.Id, OrderStatus.Ready);
        var blocked = TestWorker.NewChatId();
        fixture.Telegram.Respond(c => c.ChatId == blocked ? FakeReply.Blocked : null);
        var blockedMechanic = await worker.CreateMechanicAsync(blocked);
        var other = await worker.CreateOrderAsync(blockedMechanic.Id);
        await worker.ChangeStatusAsync(other.Id, OrderStatus.InProgress);
        await Eventually.Until(async () => (await worker.NotificationLogsAsync(order.Id)).Count == 2 && (await worker.NotificationLogsAsync(other.Id)).Count == 1, "three log rows");

        var daily = (await worker.Http.GetFromJsonAsync<JsonArray>("/api/metrics/orders/daily?days=7"))!;
        daily.Should().HaveCount(7);
        daily.Last()!["count"]!.GetValue<long>().Should().BeGreaterThanOrEqualTo(2);

        var changes = (await worker.Http.GetFromJsonAsync<JsonObject>("/api/metrics/status-changes?days=1"))!;
        changes["perDay"]!.AsArray().Single()!["count"]!.GetValue<long>().Should().BeGreaterThanOrEqualTo(3);
        changes["transitions"]!.AsArray().Should().Contain(t => t!["oldStatus"]!.GetValue<string>() == OrderStatus.InProgress && t["newStatus"]!.GetValue<string>() == OrderStatus.Ready);

        var rate = (await worker.Http.GetFromJsonAsync<JsonObject>("/api/metrics/notifications/success-rate?hours=24"))!;
        rate["failed"]!.GetValue<long>().Should().BeGreaterThanOrEqualTo(1);
        rate["byType"]!.AsArray().Single()!["notificationType"]!.GetValue<string>().Should().Be("mechanic_status_change");

        var failures = (await worker.Http.GetFromJsonAsync<JsonArray>("/api/metrics/notifications/failures?hours=1"))!;
        failures.Should().Contain(f => f!["telegramId"]!.GetValue<string>() == blocked && f["errorMessage"]!.GetValue<string>().Contains("403"));

        var summary = (await worker.Http.GetFromJsonAsync<JsonObject>("/api/metrics/summary"))!;
        summary["ordersCreated"]!.GetValue<long>().Should().BeGreaterThanOrEqualTo(2);
        summary["timeZone"]!.GetValue<string>().Should().Be("Europe/Moscow");

        var dashboard = (await worker.Http.GetFromJsonAsync<JsonObject>("/api/metrics/dashboard"))!;
        dashboard.Select(p => p.Key).Should().BeEquivalentTo(["summary", "ordersLast7Days", "notifications24h", "alerts", "circuitBreakers", "jobs"]);
        dashboard["jobs"]!["servers"]!.GetValue<long>().Should().Be(1);

        (await worker.Http.GetFromJsonAsync<JsonObject>("/api/metrics/alerts"))!["status"].Should().NotBeNull();
        (await worker.Http.GetFromJsonAsync<JsonArray>("/api/metrics/circuit-breakers"))!.Select(b => b!["name"]!.GetValue<string>())
            .Should().BeEquivalentTo(["telegram", "wildberries-statistics", "wildberries-feedbacks", "wildberries-analytics", "wildberries-content"]);
    }

    [Theory]
    [InlineData("/api/metrics/orders/daily?days=0")]
    [InlineData("/api/metrics/orders/daily?days=366")]
    [InlineData("/api/metrics/orders/daily?days=abc")]
    [InlineData("/api/metrics/status-changes?days=-1")]
    [InlineData("/api/metrics/notifications/success-rate?hours=0")]
    [InlineData("/api/metrics/notifications/failures?limit=5000")]
    public async Task Out_of_range_parameters_are_400_problems(string url)
    {
        var response = await worker.Http.GetAsync(url);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
    }

    [Fact]
    public async Task Prometheus_metrics_include_jobs_and_telegram_sends()
    {
        var chat = TestWorker.NewChatId();
        var mechanic = await worker.CreateMechanicAsync(chat);
        var order = await worker.CreateOrderAsync(mechanic.Id);
        await worker.ChangeStatusAsync(order.Id, OrderStatus.InProgress);
        await Eventually.Until(() => fixture.Telegram.Delivered.Any(d => d.ChatId == chat), "a send");

        string text = "";
        await Eventually.Until(async () =>
        {
            text = await worker.Http.GetStringAsync("/metrics");
            return text.Contains("felixhub_jobs_total{job=\"DeliveryJob\",outcome=\"succeeded\"}") && text.Contains("felixhub_telegram_sends_total{outcome=\"sent\"}");
        }, "FelixHub's instruments in /metrics");
        text.Should().Contain("# TYPE felixhub_telegram_sends_total counter").And.Contain("felixhub_telegram_send_duration_seconds_bucket")
            .And.Contain("felixhub_circuit_breaker_state{breaker=\"telegram\"}").And.Contain("dotnet_process_cpu_time_seconds_total")
            .And.NotContain("Password").And.NotContain(FakeTelegramServer.Token);
    }
}
