using Hangfire;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FelixHub.Worker.Hosting;

/// <summary>Hangfire's storage answers and at least one server is alive; reports queue and failure counts.</summary>
internal sealed class HangfireHealthCheck(JobStorage storage) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var stats = storage.GetMonitoringApi().GetStatistics();
            var data = new Dictionary<string, object>
            {
                ["servers"] = stats.Servers,
                ["enqueued"] = stats.Enqueued,
                ["scheduled"] = stats.Scheduled,
                ["processing"] = stats.Processing,
                ["failed"] = stats.Failed,
            };
            return Task.FromResult(stats.Servers > 0
                ? HealthCheckResult.Healthy("Hangfire storage answers; servers are running.", data)
                : HealthCheckResult.Degraded("Hangfire storage answers, but no server is running.", data: data));
        }
        catch (Exception ex)
        {
            return Task.FromResult(new HealthCheckResult(context.Registration.FailureStatus, "Hangfire storage does not answer: " + ex.GetBaseException().Message));
        }
    }
}
