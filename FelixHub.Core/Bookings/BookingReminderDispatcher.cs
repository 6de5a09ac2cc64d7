using FelixHub.Core.Bookings.Messages;
using FelixHub.Core.Common;
using FelixHub.Core.Persistence;
using FelixHub.Core.Telegram;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace FelixHub.Core.Bookings;

/// <summary>
/// Sends due booking reminders in batches through Telegram's bulk path, safely with several
/// dispatchers (replicas) on one database.
/// <list type="number">
/// <item><b>Claim</b>: one UPDATE marks up to a batch of due rows <c>PROCESSING</c> under a fresh claim
/// token with a lease (<c>next_attempt_at</c> = lease end); the rows are picked with
/// <c>FOR UPDATE SKIP LOCKED</c>, so concurrent claims never take the same row. Due = <c>PENDING</c>
/// whose time has come, or <c>PROCESSING</c> whose lease ran out (its dispatcher died).</item>
/// <item><b>Send</b>: one transaction locks the batch's rows <i>that are still under our claim token</i>,
/// sends them together (<see cref="ITelegramSender.SendHtmlBatchAsync"/>: chats and the bot's slots
/// reserved for the batch in two statements, sends in parallel), writes every outcome in one UPDATE
/// and commits. While the rows are locked no other dispatcher can reclaim them and no cancellation
/// can slip in between the check and the send; a dispatcher whose claim was taken over finds a
/// different token and sends nothing.</item>
/// </list>
/// The one window left: the process dies after Telegram accepted a batch's messages and before the
/// outcomes commit. The rows are then reclaimed after the lease and sent again (at most one duplicate
/// per reminder in flight at the crash). Telegram offers no idempotency key to close it.
/// </summary>
public sealed partial class BookingReminderDispatcher(
    NpgsqlDataSource dataSource,
    ITelegramSender telegram,
    IOptionsMonitor<BookingsOptions> options,
    IOptionsMonitor<TelegramOptions> telegramOptions,
    TimeProvider time,
    ILogger<BookingReminderDispatcher> logger)
{
    public const int MaxErrorLength = 1000;

    // The due rows are picked in a CTE: PostgreSQL runs a CTE with FOR UPDATE exactly once. A plain
    // sub-select may be rescanned per outer row and, skipping the rows this statement already updated,
    // hand out more than LIMIT rows (seen in the batch-size test).
    private const string ClaimSql = """
        WITH due AS MATERIALIZED (
            SELECT id FROM booking_notifications
            WHERE status IN ('PENDING', 'PROCESSING') AND next_attempt_at <= @now
            ORDER BY next_attempt_at, id
            LIMIT @limit
            FOR UPDATE SKIP LOCKED
        )
        UPDATE booking_notifications AS n
        SET status = 'PROCESSING', claimed_at = @now, next_attempt_at = @lease_until, claim_token = @token, attempts = n.attempts + 1
        FROM due
        WHERE n.id = due.id
          -- Re-checked on the row as updated: never revive a row that became final meanwhile.
          AND n.status IN ('PENDING', 'PROCESSING') AND n.next_attempt_at <= @now
        RETURNING n.id, n.booking_id, n.type, n.attempts, n.scheduled_at
        """;

    private const string LockSql = """
        SELECT n.id, n.type, n.attempts, n.user_id, u.telegram_id, b.resource_name, b.start_time, b.end_time
        FROM booking_notifications AS n
        JOIN bookings AS b ON b.id = n.booking_id
        JOIN booking_users AS u ON u.id = n.user_id
        WHERE n.id = ANY(@ids) AND n.claim_token = @token AND n.status = 'PROCESSING'
        ORDER BY n.id
        FOR UPDATE OF n
        """;

    // A row handed back without an attempt (busy chat, stop) gets its attempt back.
    private const string RecordSql = """
        UPDATE booking_notifications AS n
        SET status = v.status, next_attempt_at = v.next, error = COALESCE(v.error, CASE WHEN v.counted THEN NULL ELSE n.error END),
            sent_at = COALESCE(v.sent, n.sent_at), telegram_message_id = COALESCE(v.message_id, n.telegram_message_id),
            claim_token = NULL, attempts = CASE WHEN v.counted THEN n.attempts ELSE GREATEST(n.attempts - 1, 0) END
        FROM unnest(@ids, @statuses, @nexts, @errors, @sent, @message_ids, @counted) AS v(id, status, next, error, sent, message_id, counted)
        WHERE n.id = v.id AND n.claim_token = @token AND n.status = 'PROCESSING'
        """;

    /// <summary>
    /// Claims and sends batch after batch until nothing is due, or <see cref="BookingsOptions.MaxPerRun"/>
    /// reminders were claimed, so throughput is not one batch per schedule tick.
    /// </summary>
    public async Task<DispatchSummary> RunAsync(CancellationToken cancellationToken)
    {
        var o = options.CurrentValue;
        var summary = new DispatchSummary();
        if (!telegram.IsConfigured)
        {
            // Reminders stay PENDING and go out once a token is configured (unless they expired by then).
            var waiting = await CountDueAsync(cancellationToken);
            if (waiting > 0) LogNotConfigured(logger, waiting);
            return summary;
        }

        var deferredSinceLastPause = 0;
        while (summary.Claimed < o.MaxPerRun)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var limit = Math.Min(o.BatchSize, o.MaxPerRun - summary.Claimed);
            var batch = await ClaimAsync(limit, cancellationToken);
            if (batch.Reminders.Count > 0)
            {
                summary.AddBatch(batch.Reminders.Count);
                var result = await ProcessAsync(batch, cancellationToken);
                summary.Add(result);
                deferredSinceLastPause += result.Deferred;
                // A full batch: more may be due right now.
                if (batch.Reminders.Count == limit) continue;
            }
            // Nothing (more) due now, or other dispatchers hold the rest. Reminders handed back because
            // their chat was busy are due again within a second: wait for them in this run rather
            // than until the next tick.
            if (deferredSinceLastPause == 0) break;
            deferredSinceLastPause = 0;
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Max(100, telegramOptions.CurrentValue.PerChatIntervalMilliseconds)), cancellationToken);
        }
        return summary;
    }

    private async Task<long> CountDueAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT count(*) FROM booking_notifications WHERE status IN ('PENDING', 'PROCESSING') AND next_attempt_at <= @now");
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("now", time.GetUtcNow()));
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Claims up to <paramref name="limit"/> due reminders for this dispatcher (one statement).</summary>
    public async Task<ClaimedBatch> ClaimAsync(int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var now = time.GetUtcNow();
        var leaseUntil = now.AddSeconds(options.CurrentValue.ProcessingTimeoutSeconds);
        var token = Guid.NewGuid();

        await using var command = dataSource.CreateCommand(ClaimSql);
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("now", now));
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("lease_until", leaseUntil));
        command.Parameters.Add(new NpgsqlParameter<Guid>("token", token));
        command.Parameters.Add(new NpgsqlParameter<int>("limit", limit));

        var reminders = new List<(ClaimedReminder Reminder, DateTimeOffset ScheduledAt)>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var reminder = new ClaimedReminder(reader.GetInt64(0), reader.GetInt32(1),
                    BookingNotificationTypeCodes.FromCode(reader.GetString(2)), reader.GetInt32(3));
                reminders.Add((reminder, reader.GetFieldValue<DateTimeOffset>(4)));
            }
        }
        if (reminders.Count > 0) LogClaimed(logger, reminders.Count, token, leaseUntil);
        return new ClaimedBatch(token, now, leaseUntil,
            reminders.OrderBy(r => r.ScheduledAt).ThenBy(r => r.Reminder.Id).Select(r => r.Reminder).ToList());
    }

    /// <summary>
    /// Sends a claimed batch through Telegram's bulk path: one transaction locks the batch's rows (only
    /// those still under this claim token), the messages go out together (chats and the bot's slots
    /// reserved for the whole batch, sends in parallel), and every outcome is written by one UPDATE
    /// before the commit. While the rows are locked, no one else can reclaim or cancel them. Rows not
    /// sent (a busy chat, a stop) go back to <c>PENDING</c> without counting as an attempt.
    /// </summary>
    public async Task<DispatchSummary> ProcessAsync(ClaimedBatch batch, CancellationToken cancellationToken)
    {
        var o = options.CurrentValue;
        var summary = new DispatchSummary();
        if (batch.Reminders.Count == 0) return summary;

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        var rows = await LockAsync(connection, tx, batch, cancellationToken);
        foreach (var claimed in batch.Reminders.Where(r => !rows.ContainsKey(r.Id)))
        {
            LogNoLongerOurs(logger, claimed.Id, claimed.BookingId);
            summary.Add(ReminderOutcome.Skipped);
        }

        var now = time.GetUtcNow();
        var outcomes = new List<RowOutcome>(rows.Count);
        var toSend = new List<(ClaimedReminder Claimed, LockedRow Row)>();
        foreach (var claimed in batch.Reminders)
        {
            if (!rows.TryGetValue(claimed.Id, out var row)) continue;
            if (row.Attempts > o.MaxAttempts)
                outcomes.Add(RowOutcome.Failed(claimed, row, $"Gave up: claimed {row.Attempts} times without a recorded outcome (the dispatcher stopped or crashed each time).", LogLevel.Error));
            else if (ReminderPlan.ExpiresAt(row.Type, row.StartTime, row.EndTime) is { } expiresAt && now >= expiresAt)
                outcomes.Add(RowOutcome.Failed(claimed, row, $"Not sent: too late, the reminder was only useful until {expiresAt.UtcDateTime:yyyy-MM-dd HH:mm} UTC.", LogLevel.Warning));
            else if (string.IsNullOrWhiteSpace(row.TelegramId))
                outcomes.Add(RowOutcome.Failed(claimed, row, $"User {row.UserId} has no telegram_id", LogLevel.Warning));
            else
                toSend.Add((claimed, row));
        }

        var messages = toSend.Select(x => new TelegramMessage(x.Row.TelegramId!,
            BookingMessages.Create(x.Row.Type, new BookingMessageData(x.Row.ResourceName, x.Row.StartTime, x.Row.EndTime, o.DisplayTimeZone)))).ToList();
        var results = await telegram.SendHtmlBatchAsync(messages, cancellationToken);

        // From here the outcomes must be recorded even if the run is being cancelled: an unrecorded
        // success is exactly the duplicate we want to avoid.
        now = time.GetUtcNow();
        for (var i = 0; i < toSend.Count; i++)
        {
            var (claimed, row) = toSend[i];
            var result = results[i];
            outcomes.Add(result.Status switch
            {
                TelegramSendStatus.Sent => RowOutcome.Sent(claimed, row, now, result.MessageId),
                TelegramSendStatus.PermanentFailure => RowOutcome.Failed(claimed, row, result.Error ?? "Telegram refused the message", LogLevel.Error),
                TelegramSendStatus.Deferred or TelegramSendStatus.NotConfigured => RowOutcome.Deferred(claimed, row, now + (result.RetryAfter ?? TimeSpan.Zero), result.Error),
                _ when row.Attempts >= o.MaxAttempts => RowOutcome.Failed(claimed, row, $"Gave up after {row.Attempts} attempts: {result.Error ?? result.Status.ToString()}", LogLevel.Error),
                _ => RowOutcome.Retry(claimed, row, now + o.RetryDelay(row.Attempts), result.Error ?? result.Status.ToString()),
            });
        }

        try
        {
            await RecordAsync(connection, tx, batch.Token, outcomes);
            await tx.CommitAsync(CancellationToken.None);
        }
        catch (Exception ex) when (outcomes.Any(x => x.Status == BookingNotificationStatusCodes.Sent) && DatabaseErrors.IsUnavailable(ex))
        {
            // Telegram has these messages. Failing now would let the lease hand them out again: keep
            // writing the outcomes (on fresh connections, under the same claim token) until the database is back.
            LogRecordRetry(logger, ex, outcomes.Count, batch.Token);
            await RecordWhenBackAsync(batch.Token, outcomes, cancellationToken);
        }

        var sent = 0;
        foreach (var outcome in outcomes)
        {
            summary.Add(outcome.Outcome);
            using var notificationScope = Correlation.Push("notificationId", outcome.Claimed.Id);
            using var bookingScope = Correlation.Push("bookingId", outcome.Claimed.BookingId);
            var type = outcome.Row.Type.ToCode();
            switch (outcome.Outcome)
            {
                case ReminderOutcome.Sent:
                    sent++;
                    LogSent(logger, outcome.Claimed.Id, type, outcome.Claimed.BookingId, outcome.Row.TelegramId!, outcome.MessageId);
                    break;
                case ReminderOutcome.Failed:
                    LogFailed(logger, outcome.Level, outcome.Claimed.Id, type, outcome.Claimed.BookingId, outcome.Error!);
                    break;
                case ReminderOutcome.Retrying:
                    LogRetrying(logger, outcome.Claimed.Id, type, outcome.Row.Attempts, o.MaxAttempts, outcome.NextAttemptAt!.Value, outcome.Error!);
                    break;
                case ReminderOutcome.Deferred:
                    LogDeferred(logger, outcome.Claimed.Id, type, outcome.NextAttemptAt!.Value, outcome.DeferReason);
                    break;
            }
        }
        if (sent > 0) LogBatchSent(logger, sent, outcomes.Count, batch.Token);
        return summary;
    }

    /// <summary>What becomes of one locked row; <see cref="CountsAsAttempt"/> false hands it back as if never claimed.</summary>
    private sealed record RowOutcome(ClaimedReminder Claimed, LockedRow Row, ReminderOutcome Outcome, string Status,
        DateTimeOffset? NextAttemptAt, string? Error, DateTimeOffset? SentAt, int? MessageId, bool CountsAsAttempt, LogLevel Level)
    {
        public static RowOutcome Sent(ClaimedReminder c, LockedRow r, DateTimeOffset at, int? messageId) =>
            new(c, r, ReminderOutcome.Sent, BookingNotificationStatusCodes.Sent, null, null, at, messageId, true, LogLevel.Information);

        public static RowOutcome Failed(ClaimedReminder c, LockedRow r, string reason, LogLevel level) =>
            new(c, r, ReminderOutcome.Failed, BookingNotificationStatusCodes.Failed, null, reason, null, null, true, level);

        public static RowOutcome Retry(ClaimedReminder c, LockedRow r, DateTimeOffset next, string error) =>
            new(c, r, ReminderOutcome.Retrying, BookingNotificationStatusCodes.Pending, next, error, null, null, true, LogLevel.Warning);

        public static RowOutcome Deferred(ClaimedReminder c, LockedRow r, DateTimeOffset next, string? reason) =>
            new(c, r, ReminderOutcome.Deferred, BookingNotificationStatusCodes.Pending, next, null, null, null, false, LogLevel.Debug) { DeferReason = reason };

        public string? DeferReason { get; init; }
    }

    private sealed record LockedRow(BookingNotificationType Type, int Attempts, int UserId, string? TelegramId, string ResourceName, DateTimeOffset StartTime, DateTimeOffset EndTime);

    private static async Task<Dictionary<long, LockedRow>> LockAsync(NpgsqlConnection connection, NpgsqlTransaction tx, ClaimedBatch batch, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(LockSql, connection, tx);
        command.Parameters.Add(new NpgsqlParameter<long[]>("ids", batch.Reminders.Select(r => r.Id).ToArray()));
        command.Parameters.Add(new NpgsqlParameter<Guid>("token", batch.Token));
        var rows = new Dictionary<long, LockedRow>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            rows[reader.GetInt64(0)] = new LockedRow(
                BookingNotificationTypeCodes.FromCode(reader.GetString(1)),
                reader.GetInt32(2),
                reader.GetInt32(3),
                await reader.IsDBNullAsync(4, ct) ? null : reader.GetString(4),
                reader.GetString(5),
                reader.GetFieldValue<DateTimeOffset>(6),
                reader.GetFieldValue<DateTimeOffset>(7));
        }
        return rows;
    }

    /// <summary>Writes every outcome of a batch in one statement, only over rows still under this claim token.</summary>
    private static async Task RecordAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, Guid token, IReadOnlyList<RowOutcome> outcomes)
    {
        if (outcomes.Count == 0) return;
        await using var command = new NpgsqlCommand(RecordSql, connection, tx);
        command.Parameters.Add(new NpgsqlParameter<Guid>("token", token));
        command.Parameters.Add(new NpgsqlParameter<long[]>("ids", outcomes.Select(x => x.Claimed.Id).ToArray()));
        command.Parameters.Add(new NpgsqlParameter<string[]>("statuses", outcomes.Select(x => x.Status).ToArray()));
        command.Parameters.Add(new NpgsqlParameter("nexts", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { Value = outcomes.Select(x => (object?)x.NextAttemptAt ?? DBNull.Value).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("errors", NpgsqlDbType.Array | NpgsqlDbType.Varchar) { Value = outcomes.Select(x => (object?)Truncate(x.Error) ?? DBNull.Value).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("sent", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { Value = outcomes.Select(x => (object?)x.SentAt ?? DBNull.Value).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("message_ids", NpgsqlDbType.Array | NpgsqlDbType.Integer) { Value = outcomes.Select(x => (object?)x.MessageId ?? DBNull.Value).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<bool[]>("counted", outcomes.Select(x => x.CountsAsAttempt).ToArray()));
        // Never cancelled: the outcome of a send that happened must be written.
        await command.ExecuteNonQueryAsync(CancellationToken.None);
    }

    private Task RecordWhenBackAsync(Guid token, IReadOnlyList<RowOutcome> outcomes, CancellationToken cancellationToken) =>
        WhenDatabaseIsBack.WriteAsync(dataSource, connection => RecordAsync(connection, null, token, outcomes),
            TimeSpan.FromSeconds(options.CurrentValue.ProcessingTimeoutSeconds / 2.0), time, cancellationToken);

    private static string? Truncate(string? error) =>
        error is { Length: > MaxErrorLength } ? error[..(MaxErrorLength - 1)] + "…" : error;

    [LoggerMessage(Level = LogLevel.Error, Message = "No Telegram bot token is configured: {Count} due booking reminders wait until one is")]
    private static partial void LogNotConfigured(ILogger logger, long count);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Claimed {Count} booking reminders (claim {ClaimToken}, lease until {LeaseUntil})")]
    private static partial void LogClaimed(ILogger logger, int count, Guid claimToken, DateTimeOffset leaseUntil);

    [LoggerMessage(Level = LogLevel.Information, Message = "Booking reminders: {Sent} of a batch of {Count} sent (claim {ClaimToken})")]
    private static partial void LogBatchSent(ILogger logger, int sent, int count, Guid claimToken);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Booking reminder {NotificationId} ({Type}) handed back until {NextAttemptAt}: {Reason}")]
    private static partial void LogDeferred(ILogger logger, long notificationId, string type, DateTimeOffset nextAttemptAt, string? reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Telegram accepted booking reminders but the database went away before {Count} outcomes of claim {ClaimToken} were recorded; recording them as soon as it answers")]
    private static partial void LogRecordRetry(ILogger logger, Exception ex, int count, Guid claimToken);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Booking reminder {NotificationId} ({Type}) of booking {BookingId} sent to chat {ChatId} (message {MessageId})")]
    private static partial void LogSent(ILogger logger, long notificationId, string type, int bookingId, string chatId, int? messageId);

    [LoggerMessage(Message = "Booking reminder {NotificationId} ({Type}) of booking {BookingId} failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, LogLevel level, long notificationId, string type, int bookingId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Booking reminder {NotificationId} ({Type}) failed transiently (attempt {Attempt} of {MaxAttempts}); next attempt at {NextAttemptAt}: {Error}")]
    private static partial void LogRetrying(ILogger logger, long notificationId, string type, int attempt, int maxAttempts, DateTimeOffset nextAttemptAt, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Booking reminder {NotificationId} of booking {BookingId} is no longer this dispatcher's (cancelled or reclaimed); not sending")]
    private static partial void LogNoLongerOurs(ILogger logger, long notificationId, int bookingId);


}
