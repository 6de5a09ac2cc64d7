using System.ComponentModel;
using FelixHub.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace FelixHub.Core.Inbox;

/// <summary>
/// Pushes saved notifications that are not pushed yet to their recipients on every replica: NOTIFYs
/// the backplane with their ids and recipients. New notifications are pushed in the transaction that
/// saves them (<see cref="InboxService"/>); this job is kept so that push jobs still queued from a
/// release that pushed through Hangfire run, and find nothing left to do. Idempotent: the rows are claimed (<c>FOR UPDATE</c>, <c>pushed_at IS NULL</c>) and
/// marked pushed in the transaction that sends the NOTIFY, and a NOTIFY is delivered only if that
/// transaction commits; so a rerun (retry, two workers) pushes nothing twice. A database error throws:
/// Hangfire retries, then Failed.
/// </summary>
public sealed partial class InboxPushJob(FelixHubDbContext db, TimeProvider time, ILogger<InboxPushJob> logger)
{
    [DisplayName("Push in-app notifications {0}")]
    public async Task ExecuteAsync(Guid[] notificationIds, CancellationToken cancellationToken)
    {
        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
        var claimed = await db.Set<InboxNotification>()
            .FromSql($"SELECT * FROM inbox_notifications WHERE id = ANY({notificationIds}) AND pushed_at IS NULL ORDER BY created_at, id FOR UPDATE")
            .ToListAsync(cancellationToken);
        if (claimed.Count == 0)
        {
            LogNothingToPush(logger, notificationIds.Length);
            return;
        }

        var ids = claimed.Select(n => n.Id).ToArray();
        var users = await db.Set<InboxRecipient>().Where(r => ids.Contains(r.NotificationId))
            .Select(r => r.UserId).Distinct().OrderBy(u => u).ToListAsync(cancellationToken);
        var now = time.GetUtcNow();
        foreach (var n in claimed) n.PushedAt = now;
        await db.SaveChangesAsync(cancellationToken);
        var payloads = InboxBackplane.BuildPayloads(BackplaneMessage.New, ids, users);
        await InboxBackplane.PublishAsync(db, payloads, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        LogPushed(logger, ids.Length, users.Count, payloads.Count);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "None of the {Count} notification(s) is left to push (already pushed or deleted)")]
    private static partial void LogNothingToPush(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pushed {Count} notification(s) for {Users} user(s) to the replicas ({Payloads} NOTIFY)")]
    private static partial void LogPushed(ILogger logger, int count, int users, int payloads);
}
