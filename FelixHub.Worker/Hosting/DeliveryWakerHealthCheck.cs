using FelixHub.Core.Delivery;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace FelixHub.Worker.Hosting;

/// <summary>
/// Degraded while this replica's due-time waker runs without its LISTEN connection: reminders written on
/// other replicas then wait for its next read of the ledger (<c>Delivery:WakerMaxSleepSeconds</c>).
/// Reports the next due time it waits for.
/// </summary>
internal sealed class DeliveryWakerHealthCheck(DeliveryWaker waker, IOptionsMonitor<DeliveryOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!waker.IsRunning)
            return Task.FromResult(HealthCheckResult.Healthy("Not running on this replica (no Hangfire server, or Delivery:WakerEnabled is false)."));
        var data = new Dictionary<string, object> { ["nextDue"] = waker.NextDue?.ToString("O") ?? "" };
        return Task.FromResult(waker.IsListening
            ? HealthCheckResult.Healthy($"Listening on {DeliveryWaker.Channel}.", data)
            : new HealthCheckResult(context.Registration.FailureStatus,
                $"The due-time waker's LISTEN is reconnecting: reminders written on other replicas may wait up to {options.CurrentValue.WakerMaxSleepSeconds} s.", data: data));
    }
}
