using FelixHub.Core.Monitoring;

namespace FelixHub.Worker.Api;

/// <summary>The eight metrics endpoints of seed 004, under the same access control as the rest of /api.</summary>
public static class MetricsApi
{
    public static WebApplication MapMetricsApi(this WebApplication app)
    {
        var metrics = app.MapApi().MapGroup("/metrics");

        metrics.MapGet("/orders/daily", async (int? days, MetricsService m, CancellationToken ct) =>
            Results.Ok(await m.OrdersPerDayAsync(days ?? 30, ct)));
        metrics.MapGet("/status-changes", async (int? days, MetricsService m, CancellationToken ct) =>
            Results.Ok(await m.StatusChangesAsync(days ?? 7, ct)));
        metrics.MapGet("/notifications/success-rate", async (int? hours, MetricsService m, CancellationToken ct) =>
            Results.Ok(await m.SuccessRateAsync(hours ?? 24, ct)));
        metrics.MapGet("/notifications/failures", async (int? hours, int? limit, MetricsService m, CancellationToken ct) =>
            Results.Ok(await m.RecentFailuresAsync(hours ?? 1, limit ?? 100, ct)));
        metrics.MapGet("/summary", async (MetricsService m, CancellationToken ct) => Results.Ok(await m.SummaryAsync(ct)));
        metrics.MapGet("/dashboard", async (MetricsService m, CancellationToken ct) => Results.Ok(await m.DashboardAsync(ct)));
        metrics.MapGet("/alerts", async (MetricsService m, CancellationToken ct) =>
        {
            var alerts = await m.AlertsAsync(ct);
            return Results.Ok(new
            {
                status = alerts.Any(a => a.Severity == AlertSeverity.Critical) ? "critical" : alerts.Count > 0 ? "warning" : "ok",
                alerts,
            });
        });
        metrics.MapGet("/circuit-breakers", (MetricsService m) => Results.Ok(m.CircuitBreakers()));
        return app;
    }
}
