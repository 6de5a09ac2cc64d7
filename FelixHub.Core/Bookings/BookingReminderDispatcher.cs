using System.Collections.Concurrent;
using FelixHub.Core.Bookings.Messages;
using FelixHub.Core.Common;
using FelixHub.Core.Telegram;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace FelixHub.Core.Bookings;

/// <summary>
/// Sends due booking reminders in batches, safely with several dispatchers (replicas) on one database.
/// <list type="number">
/// <item><b>Claim</b>: one UPDATE marks up to a batch of due rows <c>PROCESSING</c> under a fresh claim
/// token with a lease (<c>next_attempt_at</c> = lease end); the rows are picked with
/// <c>FOR UPDATE SKIP LOCKED</c>, so concurrent claims never take the same row. Due = <c>PENDING</c>
/// whose time has come, or <c>PROCESSING</c> whose lease ran out (its dispatcher died).</item>
/// <item><b>Send</b>, per row, in a transaction that first locks the row <i>and checks the claim token
/// is still ours</i>, then sends, then records the outcome and commits. While the row lock is held no
/// other dispatcher can reclaim the row, even if the lease runs out during a slow send; a dispatcher
/// whose claim was taken over finds a different token and sends nothing.</item>
/// </list>
/// The one window left: the process dies after Telegram accepted a message and before the outcome
/// commits. The row is then reclaimed after the lease and sent again (at most one duplicate per
/// reminder in flight at the crash). Telegram offers no idempotency key to close it.
/// </summary>
public sealed partial class BookingReminderDispatcher(
    NpgsqlDataSource dataSource,
    ITelegramSender telegram,
    IOptionsMonitor<BookingsOptions> options,
    TimeProvider time,
    ILogger<BookingReminderDispatcher> logger)
{
    public const int MaxErrorLength = 1000;

    // The due rows are picked in a CTE: PostgreSQL runs a CTE with FOR UPDATE exactly once. A plain
    // sub-select may be rescanned per outer row and, skipping the rows this statement already updated,
    // hand out more than LIMIT rows (seen in the batch-size test).
    private const string ClaimSql = """
        WITH due AS MATERIALIZED (
            SELECT id FROM notifications
            WHERE status IN ('PENDING', 'PROCESSING') AND next_attempt_at <= @now
            ORDER BY next_attempt_at, id
            LIMIT @limit
            FOR UPDATE SKIP LOCKED
        )
        UPDATE notifications AS n
        SET status = 'PROCESSING', claimed_at = @now, next_attempt_at = @lease_until, claim_token = @token, attempts = n.attempts + 1
        FROM due
        WHERE n.id = due.id
          -- Re-checked on the row as updated: never revive a row that became final meanwhile.
          AND n.status IN ('PENDING', 'PROCESSING') AND n.next_attempt_at <= @now
        RETURNING n.id, n.booking_id, n.type, n.attempts, n.scheduled_at
        """;

    private const string LockSql = """
        SELECT n.type, n.attempts, n.user_id, u.telegram_id, b.resource_name, b.start_time, b.end_time
        FROM notifications AS n
        JOIN bookings AS b ON b.id = n.booking_id
        JOIN users AS u ON u.id = n.user_id
        WHERE n.id = @id AND n.claim_token = @token AND n.status = 'PROCESSING'
        FOR UPDATE OF n
        """;

    private const string ReleaseSql = """
        UPDATE notifications
        SET status = 'PENDING', next_attempt_at = @now, claim_token = NULL, attempts = GREATEST(attempts - 1, 0)
        WHERE id = ANY(@ids) AND claim_token = @token AND status = 'PROCESSING'
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

        while (summary.Claimed < o.MaxPerRun)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var limit = Math.Min(o.BatchSize, o.MaxPerRun - summary.Claimed);
            var batch = await ClaimAsync(limit, cancellationToken);
            if (batch.Reminders.Count == 0) break;
            summary.AddBatch(batch.Reminders.Count);
            summary.Add(await ProcessAsync(batch, cancellationToken));
            // A short batch: nothing else is due, or other dispatchers hold the rest.
            if (batch.Reminders.Count < limit) break;
        }
        return summary;
    }

    private async Task<long> CountDueAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT count(*) FROM notifications WHERE status IN ('PENDING', 'PROCESSING') AND next_attempt_at <= @now");
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
    /// Sends a claimed batch, <see cref="BookingsOptions.SendParallelism"/> at a time. Rows not started
    /// when the run stops (shutdown, an error) are handed back at once instead of waiting for the lease.
    /// </summary>
    public async Task<DispatchSummary> ProcessAsync(ClaimedBatch batch, CancellationToken cancellationToken)
    {
        var o = options.CurrentValue;
        var summary = new DispatchSummary();
        var started = new ConcurrentDictionary<long, bool>();
        try
        {
            await Parallel.ForEachAsync(batch.Reminders,
                new ParallelOptions { MaxDegreeOfParallelism = o.SendParallelism, CancellationToken = cancellationToken },
                async (reminder, ct) =>
                {
                    started[reminder.Id] = true;
                    summary.Add(await ProcessOneAsync(batch.Token, reminder, o, ct));
                });
        }
        finally
        {
            var unstarted = batch.Reminders.Select(r => r.Id).Where(id => !started.ContainsKey(id)).ToArray();
            if (unstarted.Length > 0) await ReleaseAsync(batch.Token, unstarted);
        }
        return summary;
    }

    private async Task<ReminderOutcome> ProcessOneAsync(Guid token, ClaimedReminder claimed, BookingsOptions o, CancellationToken ct)
    {
        using var notificationScope = Correlation.Push("notificationId", claimed.Id);
        using var bookingScope = Correlation.Push("bookingId", claimed.BookingId);

        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var row = await LockAsync(connection, tx, claimed.Id, token, ct);
        if (row is null)
        {
            LogNoLongerOurs(logger, claimed.Id, claimed.BookingId);
            return ReminderOutcome.Skipped;
        }

        var type = row.Type.ToCode();
        var now = time.GetUtcNow();
        if (row.Attempts > o.MaxAttempts)
        {
            var reason = $"Gave up: claimed {row.Attempts} times without a recorded outcome (the dispatcher stopped or crashed each time).";
            return await FailAsync(connection, tx, claimed, type, reason, LogLevel.Error);
        }
        if (ReminderPlan.ExpiresAt(row.Type, row.StartTime, row.EndTime) is { } expiresAt && now >= expiresAt)
        {
            var reason = $"Not sent: too late, the reminder was only useful until {expiresAt.UtcDateTime:yyyy-MM-dd HH:mm} UTC.";
            return await FailAsync(connection, tx, claimed, type, reason, LogLevel.Warning);
        }
        if (string.IsNullOrWhiteSpace(row.TelegramId))
            return await FailAsync(connection, tx, claimed, type, $"User {row.UserId} has no telegram_id", LogLevel.Warning);

        using var chatScope = Correlation.Push("chatId", row.TelegramId);
        var text = BookingMessages.Create(row.Type, new BookingMessageData(row.ResourceName, row.StartTime, row.EndTime, o.DisplayTimeZone));
        var result = await telegram.SendHtmlAsync(row.TelegramId, text, ct);

        // From here the outcome must be recorded even if the run is being cancelled: an unrecorded
        // success is exactly the duplicate we want to avoid.
        now = time.GetUtcNow();
        switch (result.Status)
        {
            case TelegramSendStatus.Sent:
                await UpdateAsync(connection, tx, claimed.Id, BookingNotificationStatusCodes.Sent, nextAttemptAt: null, error: null, sentAt: now, result.MessageId);
                await tx.CommitAsync(CancellationToken.None);
                LogSent(logger, claimed.Id, type, claimed.BookingId, row.TelegramId, result.MessageId);
                return ReminderOutcome.Sent;

            case TelegramSendStatus.PermanentFailure:
                return await FailAsync(connection, tx, claimed, type, result.Error ?? "Telegram refused the message", LogLevel.Error);

            default:
                var error = result.Error ?? result.Status.ToString();
                if (row.Attempts >= o.MaxAttempts)
                    return await FailAsync(connection, tx, claimed, type, $"Gave up after {row.Attempts} attempts: {error}", LogLevel.Error);
                var next = now + o.RetryDelay(row.Attempts);
                await UpdateAsync(connection, tx, claimed.Id, BookingNotificationStatusCodes.Pending, next, error, sentAt: null, messageId: null);
                await tx.CommitAsync(CancellationToken.None);
                LogRetrying(logger, claimed.Id, type, row.Attempts, o.MaxAttempts, next, error);
                return ReminderOutcome.Retrying;
        }
    }

    private async Task<ReminderOutcome> FailAsync(NpgsqlConnection connection, NpgsqlTransaction tx, ClaimedReminder claimed, string type, string reason, LogLevel level)
    {
        await UpdateAsync(connection, tx, claimed.Id, BookingNotificationStatusCodes.Failed, nextAttemptAt: null, reason, sentAt: null, messageId: null);
        await tx.CommitAsync(CancellationToken.None);
        LogFailed(logger, level, claimed.Id, type, claimed.BookingId, reason);
        return ReminderOutcome.Failed;
    }

    private sealed record LockedRow(BookingNotificationType Type, int Attempts, int UserId, string? TelegramId, string ResourceName, DateTimeOffset StartTime, DateTimeOffset EndTime);

    private static async Task<LockedRow?> LockAsync(NpgsqlConnection connection, NpgsqlTransaction tx, long id, Guid token, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(LockSql, connection, tx);
        command.Parameters.Add(new NpgsqlParameter<long>("id", id));
        command.Parameters.Add(new NpgsqlParameter<Guid>("token", token));
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        return new LockedRow(
            BookingNotificationTypeCodes.FromCode(reader.GetString(0)),
            reader.GetInt32(1),
            reader.GetInt32(2),
            await reader.IsDBNullAsync(3, ct) ? null : reader.GetString(3),
            reader.GetString(4),
            reader.GetFieldValue<DateTimeOffset>(5),
            reader.GetFieldValue<DateTimeOffset>(6));
    }

    private static async Task UpdateAsync(NpgsqlConnection connection, NpgsqlTransaction tx, long id, string status,
        DateTimeOffset? nextAttemptAt, string? error, DateTimeOffset? sentAt, int? messageId)
    {
        await using var command = new NpgsqlCommand("""
            UPDATE notifications
            SET status = @status, next_attempt_at = @next_attempt_at, error = @error, sent_at = COALESCE(@sent_at, sent_at),
                telegram_message_id = COALESCE(@message_id, telegram_message_id), claim_token = NULL
            WHERE id = @id
            """, connection, tx);
        command.Parameters.Add(new NpgsqlParameter<long>("id", id));
        command.Parameters.Add(new NpgsqlParameter<string>("status", status));
        command.Parameters.Add(new NpgsqlParameter("next_attempt_at", NpgsqlDbType.TimestampTz) { Value = (object?)nextAttemptAt ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("error", NpgsqlDbType.Varchar) { Value = (object?)Truncate(error) ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("sent_at", NpgsqlDbType.TimestampTz) { Value = (object?)sentAt ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("message_id", NpgsqlDbType.Integer) { Value = (object?)messageId ?? DBNull.Value });
        // Never cancelled: the outcome of a send that happened must be written.
        await command.ExecuteNonQueryAsync(CancellationToken.None);
    }

    /// <summary>Hands rows this claim never started back to PENDING, due now, as if never claimed.</summary>
    private async Task ReleaseAsync(Guid token, long[] ids)
    {
        try
        {
            await using var command = dataSource.CreateCommand(ReleaseSql);
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("now", time.GetUtcNow()));
            command.Parameters.Add(new NpgsqlParameter<long[]>("ids", ids));
            command.Parameters.Add(new NpgsqlParameter<Guid>("token", token));
            var released = await command.ExecuteNonQueryAsync(CancellationToken.None);
            LogReleased(logger, released, token);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            // The lease takes care of them.
            LogReleaseFailed(logger, ex, ids.Length, token);
        }
    }

    private static string? Truncate(string? error) =>
        error is { Length: > MaxErrorLength } ? error[..(MaxErrorLength - 1)] + "…" : error;

    [LoggerMessage(Level = LogLevel.Error, Message = "No Telegram bot token is configured: {Count} due booking reminders wait until one is")]
    private static partial void LogNotConfigured(ILogger logger, long count);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Claimed {Count} booking reminders (claim {ClaimToken}, lease until {LeaseUntil})")]
    private static partial void LogClaimed(ILogger logger, int count, Guid claimToken, DateTimeOffset leaseUntil);

    [LoggerMessage(Level = LogLevel.Information, Message = "Booking reminder {NotificationId} ({Type}) of booking {BookingId} sent to chat {ChatId} (message {MessageId})")]
    private static partial void LogSent(ILogger logger, long notificationId, string type, int bookingId, string chatId, int? messageId);

    [LoggerMessage(Message = "Booking reminder {NotificationId} ({Type}) of booking {BookingId} failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, LogLevel level, long notificationId, string type, int bookingId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Booking reminder {NotificationId} ({Type}) failed transiently (attempt {Attempt} of {MaxAttempts}); next attempt at {NextAttemptAt}: {Error}")]
    private static partial void LogRetrying(ILogger logger, long notificationId, string type, int attempt, int maxAttempts, DateTimeOffset nextAttemptAt, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Booking reminder {NotificationId} of booking {BookingId} is no longer this dispatcher's (cancelled or reclaimed); not sending")]
    private static partial void LogNoLongerOurs(ILogger logger, long notificationId, int bookingId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Handed {Count} unsent booking reminders of claim {ClaimToken} back to pending")]
    private static partial void LogReleased(ILogger logger, int count, Guid claimToken);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not hand {Count} booking reminders of claim {ClaimToken} back; they are reclaimed when the lease runs out")]
    private static partial void LogReleaseFailed(ILogger logger, Exception ex, int count, Guid claimToken);
}
