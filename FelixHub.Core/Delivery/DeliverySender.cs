using FelixHub.Core.Common;
using FelixHub.Core.Persistence;
using FelixHub.Core.Recipients;
using FelixHub.Core.Telegram;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace FelixHub.Core.Delivery;

/// <summary>What became of one send of a ledger message.</summary>
public enum DeliveryOutcome
{
    Sent,

    /// <summary>The message was already sent, skipped or cancelled: nothing to do.</summary>
    AlreadyDone,

    /// <summary>The message does not exist (any more).</summary>
    Missing,

    /// <summary>Telegram refused it for good (blocked, chat not found, bad request): <c>failed</c>, not retried.</summary>
    PermanentFailure,

    /// <summary>Telegram or the network failed: the message stays <c>pending</c> for a retry.</summary>
    TransientFailure,

    /// <summary>No bot token: nothing was attempted, the message is <c>skipped</c>.</summary>
    NotConfigured,

    /// <summary>
    /// Due inside its chat's quiet hours (hold mode): not sent now, no attempt counted. The message was
    /// handed to the dispatch path, due when the window ends; the job is done.
    /// </summary>
    Held,

    /// <summary>
    /// Not the message's fault, so no attempt is counted and no Hangfire retry spent: the Telegram circuit breaker was
    /// open (not attempted), or Telegram's flood control still answered 429 (attempt logged). The message was handed to
    /// the dispatch path, due when the break ends or when Telegram said; the job is done.
    /// </summary>
    Postponed,
}

public sealed record DeliveryResult(DeliveryOutcome Outcome, string? Error = null, int? TelegramMessageId = null);

/// <summary>
/// Sends one message of the ledger at most once and records the attempt: the message's row is locked
/// (<c>FOR UPDATE</c>) from the check of its state until its new state commits, so two executions of the
/// same send (a job run twice, two replicas) send once; the attempt goes to <c>notification_logs</c>,
/// whose unique index over successful rows backs that up. Two round trips to PostgreSQL around the send,
/// on one pooled connection: this is every message's hot path.
/// </summary>
public sealed partial class DeliverySender(
    ITelegramSender telegram,
    NpgsqlDataSource dataSource,
    IOptionsMonitor<DeliveryOptions> options,
    TimeProvider time,
    DeliveryWaker waker,
    ILogger<DeliverySender> logger)
{
    private sealed record Loaded(long Id, string Kind, string DedupKey, string? ChatId, string Text, string? ReplyMarkup, string? PhotoUrl,
        string State, int? OrderId, int? MechanicId, string? TurnedOff, bool Dispatched, QuietDecision Quiet);

    public async Task<DeliveryResult> SendAsync(long messageId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var message = await LockAsync(connection, messageId, time.GetUtcNow(), cancellationToken);
        if (message is null)
        {
            LogMissing(logger, messageId);
            return new DeliveryResult(DeliveryOutcome.Missing); // closing the connection rolls back
        }
        using var scope = Correlation.PushAll(Properties(message));
        if (!DeliveryStates.MaySend(message.State) || message.ChatId is null)
        {
            LogAlreadyDone(logger, messageId, message.Kind, message.State);
            return new DeliveryResult(DeliveryOutcome.AlreadyDone);
        }
        if (message.Dispatched)
        {
            // Handed over to the dispatch path (held for quiet hours): the dispatcher sends it, not this job.
            LogAlreadyDone(logger, messageId, message.Kind, "handed to the dispatcher");
            return new DeliveryResult(DeliveryOutcome.AlreadyDone);
        }
        if (message.TurnedOff is { } turnedOff)
        {
            await FinishAsync(connection, message, DeliveryStates.Skipped, turnedOff, null, logAttempt: false, CancellationToken.None);
            LogTurnedOff(logger, messageId, message.Kind, message.ChatId);
            return new DeliveryResult(DeliveryOutcome.AlreadyDone, turnedOff);
        }
        if (!telegram.IsConfigured)
        {
            await FinishAsync(connection, message, DeliveryStates.Skipped, "Bot token missing", null, logAttempt: false, CancellationToken.None);
            LogNoToken(logger, messageId, message.Kind);
            return new DeliveryResult(DeliveryOutcome.NotConfigured, "Bot token missing");
        }

        if (message.Quiet.HoldUntil is { } until)
        {
            await HandOverAsync(connection, message.Id, until, RecipientRules.Held(until), CancellationToken.None);
            waker.Hint(until);
            LogHeld(logger, messageId, message.Kind, message.ChatId, until);
            return new DeliveryResult(DeliveryOutcome.Held, RecipientRules.Held(until));
        }

        TelegramSendResult result;
        using (var inFlight = new InFlightGrace(cancellationToken))
            result = await SendToTelegramAsync(message, inFlight.Token);

        // Not the message's fault: the breaker is open or the limiter's database did not answer (Telegram was not
        // called), or flood control still answers 429 after the in-call waits (the attempt is logged). Either way
        // no attempt is counted and no Hangfire retry (30 s, 2 min, 10 min) spent: the message goes to the dispatch
        // path, whose waker sends it when it is due again, as the dispatch path does with its own messages.
        var rateLimited = result is { Status: TelegramSendStatus.TransientFailure, ErrorCode: 429 };
        if (result is { Status: TelegramSendStatus.TransientFailure, RetryAfter: { } wait } && (result.NotAttempted || rateLimited))
        {
            var now = time.GetUtcNow();
            var due = now + wait;
            await HandOverAsync(connection, message.Id, due, result.Error, CancellationToken.None,
                result.NotAttempted ? null : LogCommand(message, success: false, result.Error, now));
            waker.Hint(due);
            if (result.NotAttempted) LogPostponed(logger, messageId, message.Kind, message.ChatId, due, result.Error);
            else LogRateLimited(logger, messageId, message.Kind, message.ChatId, due);
            return new DeliveryResult(DeliveryOutcome.Postponed, result.Error);
        }

        var (state, outcome) = result.Status switch
        {
            TelegramSendStatus.Sent => (DeliveryStates.Sent, DeliveryOutcome.Sent),
            TelegramSendStatus.PermanentFailure => (DeliveryStates.Failed, DeliveryOutcome.PermanentFailure),
            TelegramSendStatus.NotConfigured => (DeliveryStates.Skipped, DeliveryOutcome.NotConfigured),
            _ => (DeliveryStates.Pending, DeliveryOutcome.TransientFailure),
        };
        // Once Telegram has the message, a stop request must not cancel its record (a few milliseconds):
        // the job would be handed back and send it again.
        var recordToken = result.IsSent ? CancellationToken.None : cancellationToken;
        try
        {
            await FinishAsync(connection, message, state, result.Error, result.MessageId, logAttempt: outcome != DeliveryOutcome.NotConfigured, recordToken);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return new DeliveryResult(DeliveryOutcome.AlreadyDone);
        }
        catch (Exception ex) when (result.IsSent && DatabaseErrors.IsUnavailable(ex))
        {
            // Telegram has the message. Failing now would make the job's retry send it a second time:
            // keep writing its state (on a fresh connection) until the database is back.
            await RecordSentLateAsync(message, result.MessageId, ex, cancellationToken);
        }

        switch (outcome)
        {
            case DeliveryOutcome.Sent:
                LogSent(logger, messageId, message.Kind, message.ChatId, result.MessageId);
                break;
            case DeliveryOutcome.PermanentFailure:
                DeliveryDeadLetter.Log(logger, messageId, message.Kind, message.OrderId, message.ChatId, result.Error ?? "refused by Telegram");
                break;
            case DeliveryOutcome.NotConfigured:
                LogNoToken(logger, messageId, message.Kind);
                break;
            default:
                LogTransient(logger, messageId, message.Kind, message.ChatId, result.Error);
                break;
        }
        return new DeliveryResult(outcome, result.Error, result.MessageId);
    }

    private static IEnumerable<KeyValuePair<string, string>> Properties(Loaded m)
    {
        yield return new("messageId", m.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (m.OrderId is { } orderId) yield return new("orderId", orderId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (m.ChatId is { } chatId) yield return new("chatId", chatId);
    }

    private Task<TelegramSendResult> SendToTelegramAsync(Loaded m, CancellationToken token) =>
        DeliveryTransport.SendAsync(telegram, m.ChatId!, m.Text, m.ReplyMarkup, m.PhotoUrl, m.Quiet.Silent, options.CurrentValue.PriorityOf(m.Kind),
            refused => LogPhotoRefused(logger, m.Id, m.ChatId!, refused.Error), token);

    /// <summary>Opens the transaction, locks the message's row and reads its recipient's choices (one round trip).</summary>
    private static async Task<Loaded?> LockAsync(NpgsqlConnection connection, long messageId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand("BEGIN"),
                new NpgsqlBatchCommand($"""
                    SELECT m.kind, m.dedup_key, m.chat_id, m.text, m.reply_markup::text, m.photo_url, m.state, m.order_id, m.mechanic_id,
                        {RecipientRules.Columns}, {RecipientRules.QuietColumns}, m.expires_at, m.next_attempt_at IS NOT NULL
                    FROM delivery_messages m LEFT JOIN recipient_preferences rp ON rp.chat_id = m.chat_id
                    WHERE m.id = $1 FOR UPDATE OF m
                    """) { Parameters = { new() { Value = messageId } } },
            },
        };
        // BEGIN returns no result set: the reader starts at the SELECT's.
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return null;
        var kind = reader.GetString(0);
        var window = QuietWindow.Stored(reader.IsDBNull(12) ? null : reader.GetFieldValue<TimeOnly>(12), reader.IsDBNull(13) ? null : reader.GetFieldValue<TimeOnly>(13),
            reader.IsDBNull(14) ? null : reader.GetString(14), reader.IsDBNull(15) ? null : reader.GetString(15));
        var expiresAt = reader.IsDBNull(16) ? (DateTimeOffset?)null : reader.GetFieldValue<DateTimeOffset>(16);
        return new Loaded(messageId, kind, reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetString(3),
            reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetString(6),
            reader.IsDBNull(7) ? null : reader.GetInt32(7), reader.IsDBNull(8) ? null : reader.GetInt32(8),
            RecipientRules.Withdrawn(kind, reader.GetBoolean(9), reader.GetBoolean(10), reader.GetBoolean(11)),
            reader.GetBoolean(17), RecipientRules.Quiet(kind, window, now, expiresAt));
    }

    /// <summary>
    /// Hands a message to the dispatch path (due in its chat's quiet hours, the breaker open, a lasting 429): pending, due at
    /// <paramref name="until"/> (<c>next_attempt_at</c>), no job of its own any more, no attempt counted, the
    /// reason in <c>last_error</c>, with <paramref name="attemptLog"/> when Telegram saw an attempt; then commits,
    /// telling every replica's waker of the new due time.
    /// </summary>
    private static async Task HandOverAsync(NpgsqlConnection connection, long id, DateTimeOffset until, string? reason, CancellationToken cancellationToken,
        NpgsqlBatchCommand? attemptLog = null)
    {
        await using var batch = new NpgsqlBatch(connection);
        if (attemptLog is not null) batch.BatchCommands.Add(attemptLog);
        foreach (var command in new[]
            {
                new NpgsqlBatchCommand("UPDATE delivery_messages SET state = 'pending', next_attempt_at = $2, job_id = NULL, finished_at = NULL, last_error = $3 WHERE id = $1")
                {
                    Parameters = { new() { Value = id }, new() { Value = until.ToUniversalTime() }, new() { Value = (object?)reason ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text } },
                },
                new NpgsqlBatchCommand("SELECT pg_notify($1, $2)")
                {
                    Parameters = { new() { Value = DeliveryWaker.Channel }, new() { Value = DeliveryWaker.Payload(until) } },
                },
                new NpgsqlBatchCommand("COMMIT"),
            })
            batch.BatchCommands.Add(command);
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The attempt's log row, the message's new state and the commit (one round trip).</summary>
    private async Task FinishAsync(NpgsqlConnection connection, Loaded m, string state, string? error, int? telegramMessageId, bool logAttempt,
        CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection);
        var now = time.GetUtcNow();
        if (logAttempt) batch.BatchCommands.Add(LogCommand(m, state == DeliveryStates.Sent, error, now));
        batch.BatchCommands.Add(StateCommand(m.Id, state, error, telegramMessageId, now, attempted: logAttempt));
        batch.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    private static NpgsqlBatchCommand LogCommand(Loaded m, bool success, string? error, DateTimeOffset now, string onConflict = "") => new($"""
        INSERT INTO notification_logs (notification_type, order_id, mechanic_id, telegram_id, message_hash, sent_at, success, error_message)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8){onConflict}
        """)
    {
        Parameters =
        {
            new() { Value = m.Kind },
            new() { Value = (object?)m.OrderId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer },
            new() { Value = (object?)m.MechanicId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer },
            new() { Value = m.ChatId ?? "" },
            new() { Value = m.DedupKey },
            new() { Value = now },
            new() { Value = success },
            new() { Value = (object?)error ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
        },
    };

    private static NpgsqlBatchCommand StateCommand(long id, string state, string? error, int? telegramMessageId, DateTimeOffset now, bool attempted) => new("""
        UPDATE delivery_messages SET state = $2, attempts = attempts + $3, last_error = $4, telegram_message_id = coalesce($5, telegram_message_id),
            sent_at = CASE WHEN $2 = 'sent' THEN $6 ELSE sent_at END,
            finished_at = CASE WHEN $2 IN ('pending', 'sending') THEN NULL ELSE $6 END
        WHERE id = $1
        """)
    {
        Parameters =
        {
            new() { Value = id },
            new() { Value = state },
            new() { Value = attempted ? 1 : 0 },
            new() { Value = (object?)error ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
            new() { Value = (object?)telegramMessageId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer },
            new() { Value = now },
        },
    };

    /// <summary>
    /// Writes the state of a message Telegram accepted after the transaction that should have written it
    /// lost its connection, retrying for <see cref="DeliveryOptions.SentRecordRetrySeconds"/>. Idempotent:
    /// the commit may have gone through before the connection dropped.
    /// </summary>
    private async Task RecordSentLateAsync(Loaded m, int? telegramMessageId, Exception first, CancellationToken cancellationToken)
    {
        LogSentNotRecorded(logger, first, m.Id, m.ChatId!);
        var attempts = await WhenDatabaseIsBack.WriteAsync(dataSource, async connection =>
        {
            var now = time.GetUtcNow();
            await using var batch = new NpgsqlBatch(connection)
            {
                BatchCommands =
                {
                    LogCommand(m, success: true, error: null, now, " ON CONFLICT (message_hash) WHERE success DO NOTHING"),
                    StateCommand(m.Id, DeliveryStates.Sent, null, telegramMessageId, now, attempted: true),
                },
            };
            await batch.ExecuteNonQueryAsync(CancellationToken.None);
        }, TimeSpan.FromSeconds(options.CurrentValue.SentRecordRetrySeconds), time, cancellationToken);
        LogRecordedLate(logger, m.Id, attempts);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Telegram refused the photo of message {MessageId} for chat {ChatId} ({Error}); sending the text instead")]
    private static partial void LogPhotoRefused(ILogger logger, long messageId, string chatId, string? error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Message {MessageId} ({Kind}) not sent: chat {ChatId} turned this kind of message off")]
    private static partial void LogTurnedOff(ILogger logger, long messageId, string kind, string? chatId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Message {MessageId} ({Kind}) to chat {ChatId} held for the chat's quiet hours until {Until}; handed to the dispatcher")]
    private static partial void LogHeld(ILogger logger, long messageId, string kind, string? chatId, DateTimeOffset until);

    [LoggerMessage(Level = LogLevel.Information, Message = "Message {MessageId} ({Kind}) to chat {ChatId} handed to the dispatcher, due at {Due}. {Reason}")]
    private static partial void LogPostponed(ILogger logger, long messageId, string kind, string? chatId, DateTimeOffset due, string? reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageId} ({Kind}) to chat {ChatId} still refused by Telegram's flood control (429); handed to the dispatcher, due at {Due}")]
    private static partial void LogRateLimited(ILogger logger, long messageId, string kind, string? chatId, DateTimeOffset due);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageId} no longer exists; nothing to send")]
    private static partial void LogMissing(ILogger logger, long messageId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Message {MessageId} ({Kind}) is already {State}; not sending again")]
    private static partial void LogAlreadyDone(ILogger logger, long messageId, string kind, string state);

    [LoggerMessage(Level = LogLevel.Error, Message = "Telegram bot token missing; message {MessageId} ({Kind}) skipped")]
    private static partial void LogNoToken(ILogger logger, long messageId, string kind);

    [LoggerMessage(Level = LogLevel.Information, Message = "Message {MessageId} ({Kind}) delivered to chat {ChatId} (Telegram message {TelegramMessageId})")]
    private static partial void LogSent(ILogger logger, long messageId, string kind, string chatId, int? telegramMessageId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageId} ({Kind}) to chat {ChatId} failed transiently: {Error}; it will be retried")]
    private static partial void LogTransient(ILogger logger, long messageId, string kind, string chatId, string? error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Telegram accepted message {MessageId} to chat {ChatId}, but the database went away before it was recorded; recording it as soon as the database answers")]
    private static partial void LogSentNotRecorded(ILogger logger, Exception ex, long messageId, string chatId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Recorded message {MessageId} as sent after {Attempts} attempt(s)")]
    private static partial void LogRecordedLate(ILogger logger, long messageId, int attempts);
}
