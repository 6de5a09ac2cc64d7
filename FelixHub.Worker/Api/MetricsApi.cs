using System.ComponentModel;
using FelixHub.Core.Monitoring;

namespace FelixHub.Worker.Api;

/// <summary>The eight metrics endpoints of seed 004, under the same access control as the rest of /api.</summary>
public static class MetricsApi
{
    public static WebApplication MapMetricsApi(this WebApplication app)
    {
        var metrics = app.MapApi().MapGroup("/metrics").WithTags("Metrics");

        metrics.MapGet("/orders/daily", async ([Description("Days back, 1–365 (default 30).")] int? days, MetricsService m, CancellationToken ct) =>
            Results.Ok(await m.OrdersPerDayAsync(days ?? 30, ct)))
            .WithName("OrdersPerDay")
            .WithSummary("Orders created per day")
            .WithDescription("One entry per day of the period in the reporting time zone (Monitoring:TimeZone), days without orders included.")
            .Produces<IReadOnlyList<DailyCount>>()
            .Answers(StatusCodes.Status400BadRequest, "`days` is outside 1–365 or not a number.");
        metrics.MapGet("/status-changes", async ([Description("Days back, 1–365 (default 7).")] int? days, MetricsService m, CancellationToken ct) =>
            Results.Ok(await m.StatusChangesAsync(days ?? 7, ct)))
            .WithName("StatusChanges")
            .WithSummary("Order status changes per day and per transition")
            .Produces<StatusChangesReport>()
            .Answers(StatusCodes.Status400BadRequest, "`days` is outside 1–365 or not a number.");
        metrics.MapGet("/notifications/success-rate", async ([Description("Hours back, 1–2160 (default 24).")] int? hours, MetricsService m, CancellationToken ct) =>
            Results.Ok(await m.SuccessRateAsync(hours ?? 24, ct)))
            .WithName("NotificationSuccessRate")
            .WithSummary("Share of notification sends that succeeded, overall and per type")
            .Produces<SuccessRateReport>()
            .Answers(StatusCodes.Status400BadRequest, "`hours` is outside 1–2160 or not a number.");
        metrics.MapGet("/notifications/failures", async (
            [Description("Hours back, 1–2160 (default 1).")] int? hours,
            [Description("At most this many, 1–1000 (default 100).")] int? limit,
            MetricsService m, CancellationToken ct) =>
            Results.Ok(await m.RecentFailuresAsync(hours ?? 1, limit ?? 100, ct)))
            .WithName("NotificationFailures")
            .WithSummary("Recent failed notification sends, newest first")
            .Produces<IReadOnlyList<FailureEntry>>()
            .Answers(StatusCodes.Status400BadRequest, "`hours` or `limit` is out of range or not a number.");
        metrics.MapGet("/summary", async (MetricsService m, CancellationToken ct) => Results.Ok(await m.SummaryAsync(ct)))
            .WithName("DailySummary")
            .WithSummary("Today's figures in the reporting time zone")
            .Produces<DailySummary>();
        metrics.MapGet("/dashboard", async (MetricsService m, CancellationToken ct) => Results.Ok(await m.DashboardAsync(ct)))
            .WithName("MetricsDashboard")
            .WithSummary("Everything an operator's dashboard shows, in one answer")
            .Produces<Dashboard>();
        metrics.MapGet("/alerts", async (MetricsService m, CancellationToken ct) =>
        {
            var alerts = await m.AlertsAsync(ct);
            return Results.Ok(new AlertsResponse(
                alerts.Any(a => a.Severity == AlertSeverity.Critical) ? "critical" : alerts.Count > 0 ? "warning" : "ok", alerts));
        })
            .WithName("Alerts")
            .WithSummary("The alert rules that fire now")
            .WithDescription("`status` is `ok` (none), `warning` or `critical` (the worst alert).")
            .Produces<AlertsResponse>();
        metrics.MapGet("/circuit-breakers", (MetricsService m) => Results.Ok(m.CircuitBreakers()))
            .WithName("CircuitBreakers")
            .WithSummary("The state of each circuit breaker (Telegram, WB)")
            .Produces<IReadOnlyList<CircuitBreakerStatus>>();
        return app;
    }
}
