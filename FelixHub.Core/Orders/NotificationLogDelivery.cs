using FelixHub.Core.Persistence;
using FelixHub.Core.Telegram;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
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
public sealed partial class NotificationLogDelivery(
    FelixHubDbContext db,
    ITelegramSender telegram,
    NpgsqlDataSource dataSource,
    IOptionsMonitor<NotificationsOptions> options,
    TimeProvider time,
    ILogger<NotificationLogDelivery> logger)
{
    public async Task<DeliveryResult> SendOnceAsync(LoggedNotification notification, string html, CancellationToken cancellationToken)
    {
        if (!telegram.IsConfigured) return new DeliveryResult(DeliveryOutcome.NotConfigured, "Bot token missing");

        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({MessageHash.LockKey(notification.Hash)})", cancellationToken);
        if (await db.NotificationLogs.AnyAsync(l => l.MessageHash == notification.Hash && l.Success, cancellationToken))
            return new DeliveryResult(DeliveryOutcome.AlreadySent);

        TelegramSendResult result;
        using (var inFlight = new InFlightGrace(cancellationToken))
            result = await telegram.SendHtmlAsync(notification.ChatId, html, inFlight.Token);
        if (result.Status == TelegramSendStatus.NotConfigured) return new DeliveryResult(DeliveryOutcome.NotConfigured, result.Error);

        var row = Add(notification, result.IsSent, result.Error);
        // Once Telegram has the message, a stop request must not cancel its record (a few milliseconds):
        // the job would be handed back and send it again.
        var recordToken = result.IsSent ? CancellationToken.None : cancellationToken;
        try
        {
            await db.SaveChangesAsync(recordToken);
            await tx.CommitAsync(recordToken);
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            return new DeliveryResult(DeliveryOutcome.AlreadySent);
        }
        catch (Exception ex) when (result.IsSent && DatabaseErrors.IsUnavailable(ex))
        {
            // Telegram has the message. Failing now would make the job's retry send it a second time:
            // keep writing its success row (on a fresh connection) until the database is back.
            await RecordSentAsync(row, ex, cancellationToken);
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

    private NotificationLog Add(LoggedNotification n, bool success, string? error)
    {
        var row = new NotificationLog
        {
            NotificationType = n.Type,
            OrderId = n.OrderId,
            MechanicId = n.MechanicId,
            TelegramId = n.ChatId,
            MessageHash = n.Hash,
            Success = success,
            ErrorMessage = error,
            SentAt = time.GetUtcNow(),
        };
        db.NotificationLogs.Add(row);
        return row;
    }

    /// <summary>
    /// Writes the success row of a message Telegram accepted after the transaction that should have
    /// written it lost its connection, retrying for <see cref="NotificationsOptions.SentRecordRetrySeconds"/>.
    /// Idempotent: the commit may have gone through before the connection dropped.
    /// </summary>
    private async Task RecordSentAsync(NotificationLog row, Exception first, CancellationToken cancellationToken)
    {
        LogSentNotRecorded(logger, first, row.MessageHash, row.TelegramId);
        db.ChangeTracker.Clear();
        var attempts = await WhenDatabaseIsBack.WriteAsync(dataSource, async connection =>
        {
            await using var command = new NpgsqlCommand("""
                INSERT INTO notification_logs (notification_type, order_id, mechanic_id, telegram_id, message_hash, sent_at, success, error_message)
                VALUES (@type, @order, @mechanic, @chat, @hash, @sentAt, true, NULL)
                ON CONFLICT (message_hash) WHERE success DO NOTHING
                """, connection);
            command.Parameters.AddWithValue("type", row.NotificationType);
            command.Parameters.AddWithValue("order", (object?)row.OrderId ?? DBNull.Value);
            command.Parameters.AddWithValue("mechanic", (object?)row.MechanicId ?? DBNull.Value);
            command.Parameters.AddWithValue("chat", row.TelegramId);
            command.Parameters.AddWithValue("hash", row.MessageHash);
            command.Parameters.AddWithValue("sentAt", row.SentAt);
            await command.ExecuteNonQueryAsync(CancellationToken.None);
        }, TimeSpan.FromSeconds(options.CurrentValue.SentRecordRetrySeconds), time, cancellationToken);
        LogRecordedLate(logger, row.MessageHash, attempts);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Telegram accepted message {MessageHash} to chat {ChatId}, but the database went away before it was recorded; recording it as soon as the database answers")]
    private static partial void LogSentNotRecorded(ILogger logger, Exception ex, string messageHash, string chatId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Recorded message {MessageHash} as sent after {Attempts} attempt(s)")]
    private static partial void LogRecordedLate(ILogger logger, string messageHash, int attempts);
}
