using FelixHub.Core.Monitoring;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FelixHub.Worker.Hosting;

/// <summary>Unhealthy (503) on a critical alert, degraded (200) on warnings; the alerts are in the check's data.</summary>
internal sealed class AlertsHealthCheck(IServiceScopeFactory scopes) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var alerts = await scope.ServiceProvider.GetRequiredService<AlertEvaluator>().EvaluateAsync(cancellationToken);
        var data = alerts.Select((a, i) => (Key: $"{i}:{a.Rule}", Value: (object)new { a.Severity, a.Message }))
            .ToDictionary(x => x.Key, x => x.Value);
        if (alerts.Any(a => a.Severity == AlertSeverity.Critical))
            return new HealthCheckResult(context.Registration.FailureStatus, "Critical alert: " + alerts.First(a => a.Severity == AlertSeverity.Critical).Message, data: data);
        return alerts.Count > 0
            ? HealthCheckResult.Degraded($"{alerts.Count} warning(s).", data: data)
            : HealthCheckResult.Healthy("No alert.");
    }
}
