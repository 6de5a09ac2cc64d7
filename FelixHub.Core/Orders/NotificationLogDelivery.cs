using FelixHub.Core.Persistence;
using FelixHub.Core.Telegram;
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
/// executions of the same notification send one message. Plain Npgsql batches rather than EF Core:
/// this is every notification's hot path (docs/performance.md, "One job per message").
/// </summary>
public sealed partial class NotificationLogDelivery(
    ITelegramSender telegram,
    NpgsqlDataSource dataSource,
    IOptionsMonitor<NotificationsOptions> options,
    TimeProvider time,
    ILogger<NotificationLogDelivery> logger)
{
    /// <summary>
    /// Two round trips to PostgreSQL around the send, on one pooled connection: the transaction's
    /// advisory lock on the hash and the check for a successful row (one batch; the check is its own
    /// statement, so it sees a row committed by whoever held the lock before), then the row and the
    /// commit (one batch). The lock is held while the message is in flight, so a second execution of the
    /// same notification waits for the first one's row and then does not send.
    /// </summary>
    public async Task<DeliveryResult> SendOnceAsync(LoggedNotification notification, string html, CancellationToken cancellationToken)
    {
        if (!telegram.IsConfigured) return new DeliveryResult(DeliveryOutcome.NotConfigured, "Bot token missing");

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using (var check = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand("BEGIN"),
                new NpgsqlBatchCommand("SELECT pg_advisory_xact_lock($1)") { Parameters = { new() { Value = MessageHash.LockKey(notification.Hash) } } },
                new NpgsqlBatchCommand("SELECT EXISTS (SELECT 1 FROM notification_logs WHERE message_hash = $1 AND success)") { Parameters = { new() { Value = notification.Hash } } },
            },
        })
        {
            await using var reader = await check.ExecuteReaderAsync(cancellationToken);
            await reader.NextResultAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            if (reader.GetBoolean(0)) return new DeliveryResult(DeliveryOutcome.AlreadySent); // closing the connection rolls back
        }

        TelegramSendResult result;
        using (var inFlight = new InFlightGrace(cancellationToken))
            result = await telegram.SendHtmlAsync(notification.ChatId, html, inFlight.Token);
        if (result.Status == TelegramSendStatus.NotConfigured) return new DeliveryResult(DeliveryOutcome.NotConfigured, result.Error);

        var row = NewRow(notification, result.IsSent, result.Error);
        // Once Telegram has the message, a stop request must not cancel its record (a few milliseconds):
        // the job would be handed back and send it again.
        var recordToken = result.IsSent ? CancellationToken.None : cancellationToken;
        try
        {
            await using var record = new NpgsqlBatch(connection) { BatchCommands = { InsertCommand(row), new NpgsqlBatchCommand("COMMIT") } };
            await record.ExecuteNonQueryAsync(recordToken);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
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

    private static NpgsqlBatchCommand InsertCommand(NotificationLog row, string onConflict = "") => new($"""
        INSERT INTO notification_logs (notification_type, order_id, mechanic_id, telegram_id, message_hash, sent_at, success, error_message)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8){onConflict}
        """)
    {
        Parameters =
        {
            new() { Value = row.NotificationType },
            new() { Value = (object?)row.OrderId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer },
            new() { Value = (object?)row.MechanicId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer },
            new() { Value = row.TelegramId },
            new() { Value = row.MessageHash },
            new() { Value = row.SentAt },
            new() { Value = row.Success },
            new() { Value = (object?)row.ErrorMessage ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text },
        },
    };

    /// <summary>Records an attempt that never reached Telegram (e.g. no chat id to send to).</summary>
    public async Task RecordSkippedAsync(LoggedNotification notification, string reason, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection) { BatchCommands = { InsertCommand(NewRow(notification, success: false, reason)) } };
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    private NotificationLog NewRow(LoggedNotification n, bool success, string? error) =>
        new()
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

    /// <summary>
    /// Writes the success row of a message Telegram accepted after the transaction that should have
    /// written it lost its connection, retrying for <see cref="NotificationsOptions.SentRecordRetrySeconds"/>.
    /// Idempotent: the commit may have gone through before the connection dropped.
    /// </summary>
    private async Task RecordSentAsync(NotificationLog row, Exception first, CancellationToken cancellationToken)
    {
        LogSentNotRecorded(logger, first, row.MessageHash, row.TelegramId);
        var attempts = await WhenDatabaseIsBack.WriteAsync(dataSource, async connection =>
        {
            await using var batch = new NpgsqlBatch(connection) { BatchCommands = { InsertCommand(row, " ON CONFLICT (message_hash) WHERE success DO NOTHING") } };
            await batch.ExecuteNonQueryAsync(CancellationToken.None);
        }, TimeSpan.FromSeconds(options.CurrentValue.SentRecordRetrySeconds), time, cancellationToken);
        LogRecordedLate(logger, row.MessageHash, attempts);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Telegram accepted message {MessageHash} to chat {ChatId}, but the database went away before it was recorded; recording it as soon as the database answers")]
    private static partial void LogSentNotRecorded(ILogger logger, Exception ex, string messageHash, string chatId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Recorded message {MessageHash} as sent after {Attempts} attempt(s)")]
    private static partial void LogRecordedLate(ILogger logger, string messageHash, int attempts);
}
