using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using FelixHub.Tests.Infrastructure;
using FelixHub.Tests.Orders;
using Microsoft.EntityFrameworkCore;

namespace FelixHub.Tests.Monitoring;

/// <summary>Each alert rule fires at its threshold and not below; a critical alert turns /health to 503.</summary>
public sealed class AlertRuleTests(WorkerFixture fixture) : IClassFixture<WorkerFixture>
{
    private readonly TestWorker worker = fixture.Worker;

    private Task ResetAsync() => worker.DbAsync(async db =>
    {
        await db.Database.ExecuteSqlRawAsync("DELETE FROM delivery_messages; DELETE FROM notification_logs; DELETE FROM order_status_changes; DELETE FROM orders;");
        return 0;
    });

    /// <summary>Messages that finished five minutes ago: delivered or failed for good.</summary>
    private Task SeedLogsAsync(int successes, int failures) => worker.DbAsync(async db =>
    {
        await db.Database.ExecuteSqlInterpolatedAsync($"""
            INSERT INTO delivery_messages (kind, dedup_key, chat_id, text, state, attempts, last_error, due_at, created_at, finished_at)
            SELECT 'mechanic_status_change', md5(random()::text || g), '1', 'text', CASE WHEN g > {failures} THEN 'sent' ELSE 'failed' END, 1,
                   CASE WHEN g > {failures} THEN NULL ELSE 'Failed to send' END, now() - interval '6 minutes', now() - interval '6 minutes', now() - interval '5 minutes'
            FROM generate_series(1, {successes + failures}) g
            """);
        return 0;
    });

    [Fact]
    public async Task A_message_that_failed_once_and_was_then_delivered_counts_as_a_success()
    {
        await ResetAsync();
        // 30 messages, each with a failed attempt and then a delivered one: every attempt is logged,
        // but the rate counts messages.
        await worker.DbAsync(async db =>
        {
            await db.Database.ExecuteSqlRawAsync("""
                INSERT INTO delivery_messages (kind, dedup_key, chat_id, text, state, attempts, due_at, created_at, finished_at)
                SELECT 'mechanic_status_change', 'retry-' || g, '1', 'text', 'sent', 2, now(), now(), now() FROM generate_series(1, 30) g;
                INSERT INTO notification_logs (notification_type, telegram_id, message_hash, success, error_message, sent_at)
                SELECT 'mechanic_status_change', '1', 'retry-' || g, s, CASE WHEN s THEN NULL ELSE 'Failed to send (500)' END, now()
                FROM generate_series(1, 30) g, unnest(ARRAY[false, true]) s;
                """);
            return 0;
        });

        (await AlertsAsync()).Should().NotContain(a => a.Rule == "notification_success_rate" || a.Rule == "notification_failure_spike");
        var rate = (await worker.Http.GetFromJsonAsync<JsonObject>("/api/metrics/notifications/success-rate?hours=1"))!;
        rate["total"]!.GetValue<long>().Should().Be(30);
        rate["successRate"]!.GetValue<double>().Should().Be(100);
        (await worker.Http.GetAsync("/health")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    private async Task<List<(string Rule, string Severity)>> AlertsAsync()
    {
        var body = (await worker.Http.GetFromJsonAsync<JsonObject>("/api/metrics/alerts"))!;
        return body["alerts"]!.AsArray().Select(a => (a!["rule"]!.GetValue<string>(), a["severity"]!.GetValue<string>())).ToList();
    }

    [Theory]
    [InlineData(99, 1, null)]            // 99 %: at the warning threshold, not below it
    [InlineData(98, 2, "warning")]       // 98 %
    [InlineData(95, 5, "warning")]       // 95 %: at the critical threshold, still a warning
    [InlineData(94, 6, "critical")]      // 94 %
    [InlineData(10, 9, null)]            // 19 notifications: below the rule's minimum sample of 20
    [InlineData(11, 9, "critical")]      // 20 notifications at 55 %
    public async Task The_success_rate_rule_fires_below_its_thresholds(int successes, int failures, string? expected)
    {
        await ResetAsync();
        await SeedLogsAsync(successes, failures);

        var alerts = await AlertsAsync();

        var rate = alerts.Where(a => a.Rule == "notification_success_rate").Select(a => a.Severity).ToList();
        if (expected is null) rate.Should().BeEmpty();
        else rate.Should().Equal(expected);
    }

    [Theory]
    [InlineData(9, false)]
    [InlineData(10, true)]
    public async Task Ten_failures_in_an_hour_are_critical_and_nine_are_not(int failures, bool fires)
    {
        await ResetAsync();
        await SeedLogsAsync(2000, failures);

        var alerts = await AlertsAsync();

        alerts.Contains(("notification_failure_spike", "critical")).Should().Be(fires);
        var health = await worker.Http.GetAsync("/health");
        health.StatusCode.Should().Be(fires ? HttpStatusCode.ServiceUnavailable : HttpStatusCode.OK);
        var body = (await health.Content.ReadFromJsonAsync<JsonObject>())!;
        body["checks"]!["alerts"]!["status"]!.GetValue<string>().Should().Be(fires ? "unhealthy" : "healthy");
    }

    [Theory]
    [InlineData(23, false)]
    [InlineData(25, true)]
    public async Task An_order_in_new_for_more_than_24_hours_is_a_warning(int hoursAgo, bool fires)
    {
        await ResetAsync();
        var order = await worker.CreateOrderAsync(mechanicId: null);
        await worker.DbAsync(db => db.Database.ExecuteSqlInterpolatedAsync(
            $"UPDATE orders SET status_changed_at = now() - make_interval(hours => {hoursAgo}), created_at = now() - make_interval(hours => {hoursAgo}) WHERE id = {order.Id}"));

        var alerts = await AlertsAsync();

        alerts.Contains(("stuck_orders", "warning")).Should().Be(fires);
        (await worker.Http.GetAsync("/health")).StatusCode.Should().Be(HttpStatusCode.OK, "a warning degrades but does not fail health");
    }
}
