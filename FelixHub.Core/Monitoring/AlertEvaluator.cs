using FelixHub.Core.Delivery;
using FelixHub.Core.Orders;
using FelixHub.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace FelixHub.Core.Monitoring;

/// <summary>
/// The alert rules of seed 004: notification success rate in the last hour (warning / critical),
/// a failure spike (critical) — both counting messages that reached a final state, delivered or failed — orders stuck in «новый» (warning), an open circuit breaker (warning).
/// </summary>
public sealed class AlertEvaluator(FelixHubDbContext db, CircuitBreakers breakers, IOptionsMonitor<AlertOptions> options, TimeProvider time)
{
    public async Task<IReadOnlyList<Alert>> EvaluateAsync(CancellationToken cancellationToken)
    {
        var o = options.CurrentValue;
        var now = time.GetUtcNow();
        var alerts = new List<Alert>();

        var hourAgo = now.AddHours(-1);
        // Messages, not attempts: one that failed once and was then delivered is a success.
        var lastHour = await db.Set<DeliveryMessage>().Where(m => m.FinishedAt >= hourAgo && (m.State == DeliveryStates.Sent || m.State == DeliveryStates.Failed))
            .GroupBy(_ => 1)
            .Select(g => new { Total = g.Count(), Failed = g.Count(m => m.State == DeliveryStates.Failed) })
            .FirstOrDefaultAsync(cancellationToken);
        var total = lastHour?.Total ?? 0;
        var failed = lastHour?.Failed ?? 0;

        if (total >= o.SuccessRateMinimumSample)
        {
            var rate = Math.Round(100.0 * (total - failed) / total, 2);
            if (rate < o.SuccessRateCriticalPercent)
                alerts.Add(new Alert("notification_success_rate", AlertSeverity.Critical,
                    $"Notification success rate in the last hour is {rate}% ({failed} of {total} failed), below {o.SuccessRateCriticalPercent}%.", rate, o.SuccessRateCriticalPercent));
            else if (rate < o.SuccessRateWarningPercent)
                alerts.Add(new Alert("notification_success_rate", AlertSeverity.Warning,
                    $"Notification success rate in the last hour is {rate}% ({failed} of {total} failed), below {o.SuccessRateWarningPercent}%.", rate, o.SuccessRateWarningPercent));
        }

        if (failed >= o.FailureSpikeCritical)
            alerts.Add(new Alert("notification_failure_spike", AlertSeverity.Critical,
                $"{failed} notifications failed in the last hour (threshold {o.FailureSpikeCritical}).", failed, o.FailureSpikeCritical));

        var stuckBefore = now.AddHours(-o.StuckOrderHours);
        var stuck = await db.Orders.CountAsync(x => x.Status == OrderStatus.New && x.StatusChangedAt < stuckBefore, cancellationToken);
        if (stuck > 0)
            alerts.Add(new Alert("stuck_orders", AlertSeverity.Warning,
                $"{stuck} order(s) have been in «{OrderStatus.New}» for more than {o.StuckOrderHours} h.", stuck, o.StuckOrderHours));

        foreach (var breaker in breakers.All().Where(b => b.State is "open" or "isolated"))
            alerts.Add(new Alert("circuit_breaker_open", AlertSeverity.Warning,
                $"Circuit breaker '{breaker.Name}' is open since {breaker.OpenedAt:u}: {breaker.LastFailure}"));

        return alerts;
    }
}
