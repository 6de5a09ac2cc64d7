using FelixHub.Core.Persistence;
using FelixHub.Core.Telegram;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace FelixHub.Core.Orders;

/// <summary>What one logged Telegram notification is about; <see cref="Hash"/> identifies it for deduplication.</summary>
public sealed record LoggedNotification(string Type, string Hash, string ChatId, int? OrderId = null, int? MechanicId = null);

public enum DeliveryOutcome
{
    Sent,
    AlreadySent,
    PermanentFailure,
    TransientFailure,
    NotConfigured,
}

public sealed record DeliveryResult(DeliveryOutcome Outcome, string? Error = null, int? MessageId = null);

/// <summary>
/// Sends a notification at most once and records every attempt in <c>notification_logs</c>. The send
/// happens under a transaction-scoped advisory lock on the message hash after checking for a
/// successful row, and a unique index over successful rows backs it up: concurrent or repeated
/// executions of the same notification send one message.
/// </summary>
public sealed class NotificationLogDelivery(FelixHubDbContext db, ITelegramSender telegram, TimeProvider time)
{
    public async Task<DeliveryResult> SendOnceAsync(LoggedNotification notification, string html, CancellationToken cancellationToken)
    {
        if (!telegram.IsConfigured) return new DeliveryResult(DeliveryOutcome.NotConfigured, "Bot token missing");

        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({MessageHash.LockKey(notification.Hash)})", cancellationToken);
        if (await db.NotificationLogs.AnyAsync(l => l.MessageHash == notification.Hash && l.Success, cancellationToken))
            return new DeliveryResult(DeliveryOutcome.AlreadySent);

        var result = await telegram.SendHtmlAsync(notification.ChatId, html, cancellationToken);
        if (result.Status == TelegramSendStatus.NotConfigured) return new DeliveryResult(DeliveryOutcome.NotConfigured, result.Error);

        Add(notification, result.IsSent, result.Error);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            await tx.CommitAsync(cancellationToken);
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            return new DeliveryResult(DeliveryOutcome.AlreadySent);
        }

        return result.Status switch
        {
            TelegramSendStatus.Sent => new DeliveryResult(DeliveryOutcome.Sent, MessageId: result.MessageId),
            TelegramSendStatus.PermanentFailure => new DeliveryResult(DeliveryOutcome.PermanentFailure, result.Error),
            _ => new DeliveryResult(DeliveryOutcome.TransientFailure, result.Error),
        };
    }

    /// <summary>Records an attempt that never reached Telegram (e.g. no chat id to send to).</summary>
    public async Task RecordSkippedAsync(LoggedNotification notification, string reason, CancellationToken cancellationToken)
    {
        Add(notification, success: false, reason);
        await db.SaveChangesAsync(cancellationToken);
    }

    private void Add(LoggedNotification n, bool success, string? error) =>
        db.NotificationLogs.Add(new NotificationLog
        {
            NotificationType = n.Type,
            OrderId = n.OrderId,
            MechanicId = n.MechanicId,
            TelegramId = n.ChatId,
            MessageHash = n.Hash,
            Success = success,
            ErrorMessage = error,
            SentAt = time.GetUtcNow(),
        });
}
