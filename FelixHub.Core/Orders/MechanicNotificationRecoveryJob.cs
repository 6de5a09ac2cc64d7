using System.ComponentModel;
using FelixHub.Core.Persistence;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FelixHub.Core.Orders;

/// <summary>
/// The safety net of "commit, then enqueue": a status change is committed with its notification
/// pending, and the API clears the mark once the Hangfire job is enqueued. If the enqueue failed (the
/// database went away between the two) or the process died in between, the mark stays; this recurring
/// job enqueues those notifications. Claims rows with <c>FOR UPDATE SKIP LOCKED</c>, so replicas share
/// the work; a notification enqueued twice is still sent once (the delivery's advisory lock and unique
/// success row).
/// </summary>
public sealed partial class MechanicNotificationRecoveryJob(
    FelixHubDbContext db,
    IBackgroundJobClient jobs,
    IOptionsMonitor<NotificationsOptions> options,
    TimeProvider time,
    ILogger<MechanicNotificationRecoveryJob> logger)
{
    public const string RecurringJobId = "mechanic-notification-recovery";
    public const int BatchSize = 200;

    [DisplayName("Recover mechanic notifications that were not enqueued")]
    [AutomaticRetry(Attempts = 0)]
    public async Task ExecuteAsync(CancellationToken cancellationToken)
    {
        var cutoff = time.GetUtcNow().AddSeconds(-options.CurrentValue.RecoveryGraceSeconds);
        var total = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
            var pending = await db.OrderStatusChanges
                .FromSql($"""
                    SELECT * FROM order_status_changes
                    WHERE notification_pending AND changed_at < {cutoff}
                    ORDER BY id LIMIT {BatchSize}
                    FOR UPDATE SKIP LOCKED
                    """)
                .AsNoTracking().Select(c => new { c.Id, c.OrderId }).ToListAsync(cancellationToken);
            if (pending.Count == 0) break;

            foreach (var change in pending)
            {
                var jobId = jobs.Enqueue<MechanicStatusNotificationJob>(j => j.ExecuteAsync(change.OrderId, change.Id, CancellationToken.None));
                LogRecovered(logger, change.OrderId, change.Id, jobId);
            }
            var ids = pending.Select(c => c.Id).ToList();
            await db.OrderStatusChanges.Where(c => ids.Contains(c.Id))
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.NotificationPending, false), cancellationToken);
            await tx.CommitAsync(cancellationToken);
            total += pending.Count;
            if (pending.Count < BatchSize) break;
        }
        if (total > 0) LogSummary(logger, total);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recovered the notification of status change {StatusChangeId} (order {OrderId}) whose enqueue was lost: job {JobId}")]
    private static partial void LogRecovered(ILogger logger, int orderId, long statusChangeId, string jobId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recovered {Count} mechanic notification(s) whose enqueue was lost")]
    private static partial void LogSummary(ILogger logger, int count);
}
