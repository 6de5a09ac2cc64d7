using System.Globalization;
using FelixHub.Core.Common;
using FelixHub.Core.Persistence;
using FelixHub.Core.Recipients;
using FelixHub.Core.Telegram;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace FelixHub.Core.Delivery;

/// <summary>
/// The dispatch path of the ledger: sends the messages that have no job of their own (reminders due at
/// their time, a sync's events) in batches, safely with several dispatchers (replicas) on one database.
/// <list type="number">
/// <item><b>Claim</b>: one UPDATE marks up to a batch of due messages <c>sending</c> under a fresh claim
/// token with a lease (<c>next_attempt_at</c> = lease end); the rows are picked with
/// <c>FOR UPDATE SKIP LOCKED</c>, so concurrent claims never take the same row. Due = <c>pending</c>
/// whose time has come, or <c>sending</c> whose lease ran out (its dispatcher died).</item>
/// <item><b>Send</b>: one transaction locks the batch's rows <i>that are still under our claim token</i>,
/// drops those that expired or that their feature withdrew (<see cref="IDeliveryHooks"/>), sends the
/// oldest message of each chat — plain texts together on the bulk path (<see cref="ITelegramSender.SendHtmlBatchAsync"/>),
/// photos and keyboards one by one — and hands a chat's later ones back for its next turn (so each chat's
/// messages keep their order and no sender waits on a chat's pacing), then writes every outcome, the attempts'
/// <c>notification_logs</c> rows and the features' own records in one round trip, and commits. While the
/// rows are locked no other dispatcher can reclaim them and no cancellation can slip in between the
/// check and the send; a dispatcher whose claim was taken over finds a different token and sends nothing.</item>
/// </list>
/// The one window left: the process dies after Telegram accepted a batch's messages and before the
/// outcomes commit. The rows are then reclaimed after the lease and sent again (at most one duplicate
/// per message in flight at the crash). Telegram offers no idempotency key to close it.
/// </summary>
public sealed partial class DeliveryDispatcher(
    NpgsqlDataSource dataSource,
    ITelegramSender telegram,
    IEnumerable<IDeliveryHooks> hooks,
    IOptionsMonitor<DeliveryOptions> options,
    IOptionsMonitor<TelegramOptions> telegramOptions,
    TimeProvider time,
    ILogger<DeliveryDispatcher> logger)
{
    public const int MaxErrorLength = 1000;

    private readonly IReadOnlyList<IDeliveryHooks> hooks = hooks.ToList();

    // The due rows are picked in a CTE: PostgreSQL runs a CTE with FOR UPDATE exactly once. A plain
    // sub-select may be rescanned per outer row and, skipping the rows this statement already updated,
    // hand out more than LIMIT rows.
    private const string ClaimSql = """
        WITH due AS MATERIALIZED (
            SELECT id FROM delivery_messages
            WHERE next_attempt_at <= @now
            -- High-priority kinds first (Delivery:Priorities): a reminder is not claimed behind a WB backlog.
            ORDER BY kind = ANY(@bulk_kinds), next_attempt_at, id
            LIMIT @limit
            FOR UPDATE SKIP LOCKED
        )
        UPDATE delivery_messages AS d
        SET state = 'sending', next_attempt_at = @lease_until, claim_token = @token, unrecorded_claims = d.unrecorded_claims + 1
        FROM due
        WHERE d.id = due.id
          -- Re-checked on the row as updated: never revive a message that became final meanwhile.
          AND d.state IN ('pending', 'sending') AND d.next_attempt_at <= @now
        RETURNING d.id, d.kind, d.unrecorded_claims, d.due_at
        """;

    private const string LockSql = """
        SELECT id, kind, dedup_key, event_key, chat_id, text, reply_markup::text, photo_url, order_id, mechanic_id, booking_id, cabinet_id, attempts, expires_at,
            unrecorded_claims
        FROM delivery_messages
        WHERE id = ANY(@ids) AND claim_token = @token AND state = 'sending'
        ORDER BY id
        FOR UPDATE
        """;

    // Any recorded outcome ends the row's run of unrecorded claims; only an outcome that counts (a send
    // Telegram answered, not a 429 or a hand-back) adds an attempt.
    private const string RecordSql = """
        UPDATE delivery_messages AS d
        SET state = v.state, next_attempt_at = v.next, claim_token = NULL, chat_id = COALESCE(NULLIF(v.chat, ''), d.chat_id),
            last_error = CASE WHEN v.counted OR v.error IS NOT NULL THEN v.error ELSE d.last_error END,
            sent_at = COALESCE(v.sent, d.sent_at), telegram_message_id = COALESCE(v.message_id, d.telegram_message_id),
            finished_at = CASE WHEN v.state IN ('pending', 'sending') THEN NULL ELSE @now END,
            attempts = d.attempts + CASE WHEN v.counted THEN 1 ELSE 0 END, unrecorded_claims = 0
        FROM unnest(@ids, @states, @nexts, @errors, @sent, @message_ids, @counted, @chats) AS v(id, state, next, error, sent, message_id, counted, chat)
        WHERE d.id = v.id AND d.claim_token = @token AND d.state = 'sending'
        """;

    // A claim none of whose messages reached Telegram (the database went away between the claim and the
    // send) goes back at once, as if never claimed, instead of waiting for the lease to end.
    private const string ReleaseSql = """
        UPDATE delivery_messages
        SET state = 'pending', next_attempt_at = @now, claim_token = NULL, unrecorded_claims = GREATEST(unrecorded_claims - 1, 0)
        WHERE claim_token = @token AND state = 'sending'
        """;

    // Every attempt Telegram saw goes to the attempt log; a success at most once per message (its unique index).
    private const string AttemptLogSql = """
        INSERT INTO notification_logs (notification_type, order_id, mechanic_id, telegram_id, message_hash, sent_at, success, error_message)
        SELECT kind, order_id, mechanic_id, chat_id, dedup_key, @now, success, error
        FROM unnest(@kinds, @order_ids, @mechanic_ids, @chats, @keys, @successes, @log_errors)
          AS a(kind, order_id, mechanic_id, chat_id, dedup_key, success, error)
        ON CONFLICT (message_hash) WHERE success DO NOTHING
        """;

    /// <summary>
    /// Claims and sends batch after batch until nothing is due, or <see cref="DeliveryOptions.MaxPerRun"/>
    /// messages were claimed, so throughput is not one batch per schedule tick.
    /// </summary>
    public async Task<DispatchSummary> RunAsync(CancellationToken cancellationToken)
    {
        var o = options.CurrentValue;
        var summary = new DispatchSummary();
        if (!telegram.IsConfigured && !hooks.Any(h => h.DeliversElsewhere))
        {
            // Messages stay pending and go out once a token is configured (unless they expired by then).
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
            if (batch.Messages.Count > 0)
            {
                summary.AddBatch(batch.Messages.Count);
                var result = await ProcessAsync(batch, cancellationToken);
                summary.Add(result);
                deferredSinceLastPause += result.Deferred;
                // A full batch: more may be due right now.
                if (batch.Messages.Count == limit) continue;
            }
            // Nothing (more) due now, or other dispatchers hold the rest. Messages handed back because
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
        await using var command = dataSource.CreateCommand("SELECT count(*) FROM delivery_messages WHERE next_attempt_at <= @now");
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("now", time.GetUtcNow()));
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Claims up to <paramref name="limit"/> due messages for this dispatcher (one statement).</summary>
    public async Task<ClaimedBatch> ClaimAsync(int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var now = time.GetUtcNow();
        var leaseUntil = now.AddSeconds(options.CurrentValue.LeaseSeconds);
        var token = Guid.NewGuid();

        await using var command = dataSource.CreateCommand(ClaimSql);
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("now", now));
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("lease_until", leaseUntil));
        command.Parameters.Add(new NpgsqlParameter<Guid>("token", token));
        command.Parameters.Add(new NpgsqlParameter<int>("limit", limit));
        command.Parameters.Add(new NpgsqlParameter<string[]>("bulk_kinds", options.CurrentValue.BulkKinds()));

        var claimed = new List<(ClaimedMessage Message, DateTimeOffset DueAt)>();
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                claimed.Add((new ClaimedMessage(reader.GetInt64(0), reader.GetString(1), reader.GetInt32(2)), reader.GetFieldValue<DateTimeOffset>(3)));
        }
        catch (Exception ex) when (DatabaseErrors.IsUnavailable(ex))
        {
            // The claim may have committed with its answer lost: whatever it took goes back.
            await ReleaseAsync(token, claimed.Count, ex, cancellationToken);
            throw;
        }
        if (claimed.Count > 0) LogClaimed(logger, claimed.Count, token, leaseUntil);
        return new ClaimedBatch(token, now, leaseUntil,
            claimed.OrderBy(r => r.DueAt).ThenBy(r => r.Message.Id).Select(r => r.Message).ToList());
    }

    /// <summary>
    /// Sends a claimed batch: one transaction locks the batch's rows (only those still under this claim
    /// token), the messages go out, and every outcome is written in one round trip before the commit.
    /// While the rows are locked, no one else can reclaim or cancel them. Messages not sent (a busy chat,
    /// a stop) go back to <c>pending</c> without counting as an attempt.
    /// </summary>
    /// <remarks>
    /// When the database goes away before any of the batch went to Telegram (a restart cutting the
    /// connection while the rows are locked and checked), the claim is handed back as soon as the
    /// database answers again, so the messages go out with the next pass rather than when the lease
    /// (<see cref="DeliveryOptions.LeaseSeconds"/>) ends; a reminder would otherwise be minutes late.
    /// </remarks>
    public async Task<DispatchSummary> ProcessAsync(ClaimedBatch batch, CancellationToken cancellationToken)
    {
        var progress = new SendProgress();
        try
        {
            return await ProcessClaimedAsync(batch, progress, cancellationToken);
        }
        catch (Exception ex) when (!progress.Started && batch.Messages.Count > 0 && DatabaseErrors.IsUnavailable(ex))
        {
            await ReleaseAsync(batch.Token, batch.Messages.Count, ex, cancellationToken);
            throw;
        }
    }

    /// <summary>Set just before the batch's messages go to Telegram: from then on a claim is never handed back unrecorded.</summary>
    private sealed class SendProgress
    {
        public bool Started { get; set; }
    }

    private async Task ReleaseAsync(Guid token, int count, Exception cause, CancellationToken cancellationToken)
    {
        LogReleasing(logger, cause, count, token);
        try
        {
            await WhenDatabaseIsBack.WriteAsync(dataSource, async connection =>
            {
                await using var command = new NpgsqlCommand(ReleaseSql, connection);
                command.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("now", time.GetUtcNow()));
                command.Parameters.Add(new NpgsqlParameter<Guid>("token", token));
                await command.ExecuteNonQueryAsync(CancellationToken.None);
            }, TimeSpan.FromSeconds(options.CurrentValue.LeaseSeconds / 2.0), time, cancellationToken);
        }
        catch (Exception ex) when (DatabaseErrors.IsUnavailable(ex))
        {
            // Still away: the lease hands the rows out again, as after a crash.
            LogReleaseFailed(logger, ex, token);
        }
    }

    private async Task<DispatchSummary> ProcessClaimedAsync(ClaimedBatch batch, SendProgress progress, CancellationToken cancellationToken)
    {
        var o = options.CurrentValue;
        var summary = new DispatchSummary();
        if (batch.Messages.Count == 0) return summary;

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        var (rows, unrecorded) = await LockAsync(connection, tx, batch, cancellationToken);
        foreach (var claimed in batch.Messages.Where(r => !rows.ContainsKey(r.Id)))
        {
            LogNoLongerOurs(logger, claimed.Id, claimed.Kind);
            summary.Add(DispatchOutcome.Skipped);
        }

        var now = time.GetUtcNow();
        var outcomes = new List<RowOutcome>(rows.Count);
        var candidates = new List<DispatchMessage>();
        foreach (var row in rows.Values)
        {
            if (unrecorded.GetValueOrDefault(row.Id) is var claims && claims > o.MaxAttempts)
                outcomes.Add(RowOutcome.Failed(row, $"Gave up: claimed {claims} times in a row without a recorded outcome (the dispatcher was killed or crashed each time it held this message), after {row.Attempts} attempt(s) with one.", attempted: false));
            else if (row.ExpiresAt is { } expiresAt && now >= expiresAt)
                outcomes.Add(RowOutcome.Skipped(row, $"Not sent: too late, the message was only useful until {expiresAt.UtcDateTime:yyyy-MM-dd HH:mm} UTC."));
            else
                candidates.Add(row);
        }

        var toSend = new List<DispatchMessage>(candidates.Count);
        var quietChats = new HashSet<string>(StringComparer.Ordinal);
        foreach (var group in candidates.GroupBy(HooksFor))
        {
            var rowsOfGroup = group.ToList();
            if (group.Key is not null)
            {
                // Who they go to now (a feature that names the recipient at send time); nobody: not sent, with the reason.
                var named = await group.Key.RecipientsAsync(connection, rowsOfGroup, cancellationToken);
                var addressed = new List<DispatchMessage>(rowsOfGroup.Count);
                foreach (var row in rowsOfGroup)
                {
                    if (!named.TryGetValue(row.Id, out var recipient)) addressed.Add(row);
                    else if (recipient.ChatId is null) outcomes.Add(RowOutcome.Skipped(row, recipient.Missing ?? "No recipient"));
                    else addressed.Add(row with { ChatId = recipient.ChatId });
                }
                rowsOfGroup = addressed;
            }
            var withdrawn = group.Key is null ? null : await group.Key.WithdrawnAsync(connection, rowsOfGroup, cancellationToken);
            var choices = await ChoicesAsync(connection, rowsOfGroup, cancellationToken);
            // Quiet hours are a Telegram chat's: messages a feature delivers elsewhere (a webhook) ignore them.
            var toTelegram = group.Key is not { DeliversElsewhere: true };
            foreach (var row in rowsOfGroup)
            {
                var choice = choices.GetValueOrDefault(row.ChatId);
                var window = toTelegram ? choice?.Window : null;
                if (window is not null) quietChats.Add(row.ChatId);
                if (withdrawn is not null && withdrawn.TryGetValue(row.Id, out var reason)) outcomes.Add(RowOutcome.Skipped(row, reason));
                else if (choice?.TurnedOff(row.Kind) is { } off) outcomes.Add(RowOutcome.Skipped(row, off));
                else if (row.ChatId.Length == 0) outcomes.Add(RowOutcome.Skipped(row, "No recipient"));
                else if (RecipientRules.Quiet(row.Kind, window, now, row.ExpiresAt) is var quiet && quiet.HoldUntil is { } until)
                    outcomes.Add(RowOutcome.Deferred(row, until, RecipientRules.Held(until)));
                else toSend.Add(quiet.Silent ? row with { Silent = true } : row);
            }
        }

        // Chats with quiet hours get their held messages all at once when the window ends, and several
        // dispatchers may claim them: one whose older message is still due or in another dispatcher's hands waits its turn.
        if (quietChats.Count > 0)
        {
            var behind = await BehindOlderAsync(connection, toSend.Where(r => quietChats.Contains(r.ChatId)).Select(r => r.Id).ToArray(), batch.Token, now, cancellationToken);
            var retryLater = now + TimeSpan.FromMilliseconds(Math.Max(100, telegramOptions.CurrentValue.PerChatIntervalMilliseconds));
            foreach (var row in toSend.Where(r => behind.Contains(r.Id))) outcomes.Add(RowOutcome.Deferred(row, retryLater, null));
            toSend.RemoveAll(r => behind.Contains(r.Id));
        }

        // One message per chat and batch, the oldest: a chat takes one message per interval anyway, so the
        // chat's later ones wait their turn (handed back, no attempt spent) instead of holding a sender,
        // and the other chats of the batch go out at the bot's pace. Each chat's messages keep their order.
        var firstPerChat = new List<DispatchMessage>(toSend.Count);
        var chatsInBatch = new HashSet<string>(StringComparer.Ordinal);
        var retryAt = now + TimeSpan.FromMilliseconds(Math.Max(100, telegramOptions.CurrentValue.PerChatIntervalMilliseconds));
        foreach (var row in toSend)
        {
            if (chatsInBatch.Add(row.ChatId)) firstPerChat.Add(row);
            else outcomes.Add(RowOutcome.Deferred(row, retryAt, null));
        }
        toSend = firstPerChat;
        progress.Started = true;
        var results = await SendAsync(toSend, cancellationToken);

        // From here the outcomes must be recorded even if the run is being cancelled: an unrecorded
        // success is exactly the duplicate we want to avoid.
        now = time.GetUtcNow();
        foreach (var row in toSend)
        {
            var result = results[row.Id];
            outcomes.Add(result.Status switch
            {
                TelegramSendStatus.Sent => RowOutcome.Sent(row, result.MessageId),
                TelegramSendStatus.PermanentFailure => RowOutcome.Failed(row, result.Error ?? "Telegram refused the message", attempted: true),
                TelegramSendStatus.Deferred => RowOutcome.Deferred(row, now + (result.RetryAfter ?? TimeSpan.Zero), null),
                // Not the message's fault: hand it back and look again in a minute.
                TelegramSendStatus.NotConfigured => RowOutcome.Deferred(row, now + TimeSpan.FromMinutes(1), result.Error),
                // The breaker was open, or the limiter's database did not answer: Telegram was not called. Back
                // when the break ends (or in a second), no attempt spent.
                TelegramSendStatus.TransientFailure when result.NotAttempted =>
                    RowOutcome.Deferred(row, now + (result.RetryAfter ?? TimeSpan.FromSeconds(1)), result.Error),
                // Telegram's flood control is not the message's fault: it is tried again when Telegram said,
                // its attempt given back (logged, but not counted toward Delivery:MaxAttempts).
                TelegramSendStatus.TransientFailure when result.ErrorCode == 429 && result.RetryAfter is { } retryAfter =>
                    RowOutcome.RateLimited(row, now + retryAfter, result.Error ?? "Too Many Requests"),
                // This attempt is the row's attempts + 1.
                _ when row.Attempts + 1 >= o.MaxAttempts => RowOutcome.Failed(row, $"Gave up after {row.Attempts + 1} attempts: {result.Error ?? result.Status.ToString()}", attempted: true),
                _ => RowOutcome.Retry(row, now + o.RetryDelay(row.Attempts + 1), result.Error ?? result.Status.ToString()),
            });
        }

        try
        {
            await RecordAsync(connection, tx, batch.Token, outcomes, now);
        }
        catch (Exception ex) when (DatabaseErrors.IsUnavailable(ex))
        {
            // Telegram has seen (or was spared) these messages. Failing now would leave them to the lease: sent
            // ones would go out again, the others would wait for the lease's end and count a claim cut off.
            // Keep writing the outcomes (on fresh connections, under the same claim token) until the database is back.
            LogRecordRetry(logger, ex, outcomes.Count, batch.Token);
            await WhenDatabaseIsBack.WriteAsync(dataSource, c => RecordAsync(c, null, batch.Token, outcomes, now),
                TimeSpan.FromSeconds(o.LeaseSeconds / 2.0), time, cancellationToken);
        }

        var sent = 0;
        foreach (var outcome in outcomes.OrderBy(x => x.Row.Id))
        {
            summary.Add(outcome.Outcome);
            var row = outcome.Row;
            using var scope = Correlation.PushAll(Properties(row));
            switch (outcome.Outcome)
            {
                case DispatchOutcome.Sent:
                    sent++;
                    LogSent(logger, row.Id, row.Kind, row.ChatId, outcome.MessageId);
                    break;
                case DispatchOutcome.Failed:
                    DeliveryDeadLetter.Log(logger, row.Id, row.Kind, row.OrderId, row.ChatId, outcome.Error!);
                    break;
                case DispatchOutcome.Skipped:
                    LogSkipped(logger, row.Id, row.Kind, outcome.Error!);
                    break;
                case DispatchOutcome.Retrying:
                    LogRetrying(logger, row.Id, row.Kind, row.Attempts + 1, o.MaxAttempts, outcome.NextAttemptAt!.Value, outcome.Error!);
                    break;
                case DispatchOutcome.Deferred:
                    LogDeferred(logger, row.Id, row.Kind, outcome.NextAttemptAt!.Value, outcome.Error);
                    break;
            }
        }
        if (sent > 0) LogBatchSent(logger, sent, outcomes.Count, batch.Token);
        return summary;
    }

    /// <summary>A chat's choices as the dispatcher reads them: the kinds it turned off and its quiet hours.</summary>
    private sealed record ChatChoices(bool StatusChanges, bool Assignments, bool Ready, QuietWindow? Window)
    {
        public string? TurnedOff(string kind) => RecipientRules.Withdrawn(kind, StatusChanges, Assignments, Ready);
    }

    /// <summary>The recipient choices (<see cref="RecipientRules"/>) of the batch's chats that made any: one query per batch.</summary>
    private static async Task<Dictionary<string, ChatChoices>> ChoicesAsync(NpgsqlConnection connection, IReadOnlyList<DispatchMessage> rows, CancellationToken ct)
    {
        var choices = new Dictionary<string, ChatChoices>(StringComparer.Ordinal);
        var chats = rows.Where(r => r.ChatId.Length > 0).Select(r => r.ChatId).Distinct().ToArray();
        if (chats.Length == 0) return choices;
        await using var command = new NpgsqlCommand($"""
            SELECT rp.chat_id, rp.status_changes, rp.assignments, rp.ready, {RecipientRules.QuietColumns}
            FROM recipient_preferences rp WHERE rp.chat_id = ANY($1)
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = chats });
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var window = QuietWindow.Stored(reader.IsDBNull(4) ? null : reader.GetFieldValue<TimeOnly>(4), reader.IsDBNull(5) ? null : reader.GetFieldValue<TimeOnly>(5),
                Str(reader, 6), Str(reader, 7));
            choices[reader.GetString(0)] = new ChatChoices(reader.GetBoolean(1), reader.GetBoolean(2), reader.GetBoolean(3), window);
        }
        return choices;
    }

    /// <summary>
    /// Of <paramref name="ids"/>, those whose chat has an older message (by due time, then id) that is due
    /// now or being sent by another dispatcher: sending them first would break the chat's order.
    /// </summary>
    private static async Task<HashSet<long>> BehindOlderAsync(NpgsqlConnection connection, long[] ids, Guid token, DateTimeOffset now, CancellationToken ct)
    {
        var behind = new HashSet<long>();
        if (ids.Length == 0) return behind;
        await using var command = new NpgsqlCommand("""
            SELECT m.id FROM delivery_messages m
            WHERE m.id = ANY($1) AND EXISTS (
                SELECT 1 FROM delivery_messages o
                WHERE o.chat_id = m.chat_id AND o.next_attempt_at IS NOT NULL AND o.claim_token IS DISTINCT FROM $2
                  AND (o.state = 'sending' OR (o.state = 'pending' AND o.next_attempt_at <= $3))
                  AND (o.due_at, o.id) < (m.due_at, m.id))
            """, connection);
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = ids });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = token });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now });
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) behind.Add(reader.GetInt64(0));
        return behind;
    }

    private IDeliveryHooks? HooksFor(DispatchMessage message) => hooks.FirstOrDefault(h => h.Handles(message.Kind));

    private static IEnumerable<KeyValuePair<string, string>> Properties(DispatchMessage m)
    {
        yield return new("messageId", m.Id.ToString(CultureInfo.InvariantCulture));
        yield return new("chatId", m.ChatId);
        if (m.OrderId is { } orderId) yield return new("orderId", orderId.ToString(CultureInfo.InvariantCulture));
        if (m.BookingId is { } bookingId) yield return new("bookingId", bookingId.ToString(CultureInfo.InvariantCulture));
        if (m.CabinetId is { } cabinetId) yield return new("cabinetId", cabinetId.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// Sends the batch (one message per chat): plain texts take the bulk path (one claim of the chats,
    /// parallel sends at the bot's pace); photos, keyboards and messages a feature delivers elsewhere
    /// go one by one, in parallel (<c>Telegram:BatchSendParallelism</c>). The shared limiter paces every send.
    /// </summary>
    private async Task<Dictionary<long, TelegramSendResult>> SendAsync(List<DispatchMessage> messages, CancellationToken cancellationToken)
    {
        var results = new Dictionary<long, TelegramSendResult>(messages.Count);
        if (messages.Count == 0) return results;
        var o = options.CurrentValue;
        // The plain texts on the bulk path, one batch per priority class, concurrently: the high-priority
        // batch (reminders) takes the bot's slots ahead of the bulk one (WB events).
        var batches = messages.Where(IsBulk).GroupBy(m => o.PriorityOf(m.Kind)).Select(g => g.ToList()).ToList();
        var single = messages.Where(m => !IsBulk(m)).ToList();

        var batchResults = batches.Select(b => telegram.SendHtmlBatchAsync(
            b.Select(m => new TelegramMessage(m.ChatId, m.Text, m.Silent)).ToList(), o.PriorityOf(b[0].Kind), cancellationToken)).ToList();
        var singleResults = new System.Collections.Concurrent.ConcurrentDictionary<long, TelegramSendResult>();
        await Parallel.ForEachAsync(single,
            new ParallelOptions { MaxDegreeOfParallelism = telegramOptions.CurrentValue.BatchSendParallelism },
            async (message, _) =>
            {
                // A stop hands the rest back unsent; one already started finishes (InFlightGrace).
                if (cancellationToken.IsCancellationRequested)
                {
                    singleResults[message.Id] = TelegramSendResult.Deferred(TimeSpan.Zero, "the dispatcher is stopping");
                    return;
                }
                using var inFlight = new InFlightGrace(cancellationToken);
                singleResults[message.Id] = await SendOneAsync(message, inFlight.Token);
            });
        for (var b = 0; b < batches.Count; b++)
        {
            var sentInBulk = await batchResults[b];
            for (var i = 0; i < batches[b].Count; i++) results[batches[b][i].Id] = sentInBulk[i];
        }
        foreach (var (id, result) in singleResults) results[id] = result;
        return results;
    }

    private bool IsBulk(DispatchMessage m) =>
        DeliveryTransport.IsPlainText(m.PhotoUrl, m.ReplyMarkup, m.Text) && HooksFor(m) is not { DeliversElsewhere: true };

    private Task<TelegramSendResult> SendOneAsync(DispatchMessage m, CancellationToken cancellationToken) =>
        HooksFor(m) is { DeliversElsewhere: true } elsewhere
            ? elsewhere.DeliverElsewhereAsync(m, cancellationToken)
            : DeliveryTransport.SendAsync(telegram, m.ChatId, m.Text, m.ReplyMarkup, m.PhotoUrl, m.Silent, options.CurrentValue.PriorityOf(m.Kind),
            refused => LogPhotoRefused(logger, m.Id, m.ChatId, refused.Error), cancellationToken);

    /// <summary>What becomes of one locked message; <see cref="CountsAsAttempt"/> false hands it back as if never claimed.</summary>
    private sealed record RowOutcome(DispatchMessage Row, DispatchOutcome Outcome, string State, DateTimeOffset? NextAttemptAt, string? Error,
        bool IsSent, int? MessageId, bool CountsAsAttempt, bool TelegramSawIt)
    {
        public static RowOutcome Sent(DispatchMessage r, int? messageId) =>
            new(r, DispatchOutcome.Sent, DeliveryStates.Sent, null, null, true, messageId, true, true);

        public static RowOutcome Failed(DispatchMessage r, string reason, bool attempted) =>
            new(r, DispatchOutcome.Failed, DeliveryStates.Failed, null, reason, false, null, attempted, attempted);

        public static RowOutcome Skipped(DispatchMessage r, string reason) =>
            new(r, DispatchOutcome.Skipped, DeliveryStates.Skipped, null, reason, false, null, false, false);

        public static RowOutcome Retry(DispatchMessage r, DateTimeOffset next, string error) =>
            new(r, DispatchOutcome.Retrying, DeliveryStates.Pending, next, error, false, null, true, true);

        public static RowOutcome RateLimited(DispatchMessage r, DateTimeOffset next, string error) =>
            new(r, DispatchOutcome.Retrying, DeliveryStates.Pending, next, error, false, null, false, true);

        public static RowOutcome Deferred(DispatchMessage r, DateTimeOffset next, string? reason) =>
            new(r, DispatchOutcome.Deferred, DeliveryStates.Pending, next, reason, false, null, false, false);
    }

    /// <summary>The batch's rows still under its claim token, locked, and each one's run of unrecorded claims (this one included).</summary>
    private static async Task<(Dictionary<long, DispatchMessage> Rows, Dictionary<long, int> UnrecordedClaims)> LockAsync(
        NpgsqlConnection connection, NpgsqlTransaction tx, ClaimedBatch batch, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(LockSql, connection, tx);
        command.Parameters.Add(new NpgsqlParameter<long[]>("ids", batch.Messages.Select(r => r.Id).ToArray()));
        command.Parameters.Add(new NpgsqlParameter<Guid>("token", batch.Token));
        var rows = new Dictionary<long, DispatchMessage>();
        var unrecorded = new Dictionary<long, int>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var id = reader.GetInt64(0);
            rows[id] = new DispatchMessage(id, reader.GetString(1), reader.GetString(2), Str(reader, 3), Str(reader, 4) ?? "",
                reader.GetString(5), Str(reader, 6), Str(reader, 7),
                reader.IsDBNull(8) ? null : reader.GetInt32(8), reader.IsDBNull(9) ? null : reader.GetInt32(9),
                reader.IsDBNull(10) ? null : reader.GetInt32(10), reader.IsDBNull(11) ? null : reader.GetInt64(11),
                reader.GetInt32(12), reader.IsDBNull(13) ? null : reader.GetFieldValue<DateTimeOffset>(13));
            unrecorded[id] = reader.GetInt32(14);
        }
        return (rows, unrecorded);
    }

    private static string? Str(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    /// <summary>
    /// Writes every outcome of a batch (only over rows still under this claim token), the attempts'
    /// log rows and the features' records of what went out, then commits — one round trip.
    /// </summary>
    private async Task RecordAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, Guid token, IReadOnlyList<RowOutcome> outcomes, DateTimeOffset now)
    {
        if (outcomes.Count == 0)
        {
            if (tx is not null) await tx.CommitAsync(CancellationToken.None);
            return;
        }
        await using var batch = new NpgsqlBatch(connection, tx);
        var state = new NpgsqlBatchCommand(RecordSql);
        state.Parameters.Add(new NpgsqlParameter<Guid>("token", token));
        state.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("now", now));
        state.Parameters.Add(new NpgsqlParameter<long[]>("ids", outcomes.Select(x => x.Row.Id).ToArray()));
        state.Parameters.Add(new NpgsqlParameter<string[]>("states", outcomes.Select(x => x.State).ToArray()));
        state.Parameters.Add(new NpgsqlParameter("nexts", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { Value = outcomes.Select(x => (object?)x.NextAttemptAt?.ToUniversalTime() ?? DBNull.Value).ToArray() });
        state.Parameters.Add(new NpgsqlParameter("errors", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = outcomes.Select(x => (object?)Truncate(x.Error) ?? DBNull.Value).ToArray() });
        state.Parameters.Add(new NpgsqlParameter("sent", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { Value = outcomes.Select(x => x.IsSent ? (object)now.ToUniversalTime() : DBNull.Value).ToArray() });
        state.Parameters.Add(new NpgsqlParameter("message_ids", NpgsqlDbType.Array | NpgsqlDbType.Integer) { Value = outcomes.Select(x => (object?)x.MessageId ?? DBNull.Value).ToArray() });
        state.Parameters.Add(new NpgsqlParameter<bool[]>("counted", outcomes.Select(x => x.CountsAsAttempt).ToArray()));
        state.Parameters.Add(new NpgsqlParameter<string[]>("chats", outcomes.Select(x => x.Row.ChatId).ToArray()));
        batch.BatchCommands.Add(state);

        var attempts = outcomes.Where(x => x.TelegramSawIt).ToList();
        if (attempts.Count > 0)
        {
            var log = new NpgsqlBatchCommand(AttemptLogSql);
            log.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("now", now));
            log.Parameters.Add(new NpgsqlParameter<string[]>("kinds", attempts.Select(x => x.Row.Kind).ToArray()));
            log.Parameters.Add(new NpgsqlParameter("order_ids", NpgsqlDbType.Array | NpgsqlDbType.Integer) { Value = attempts.Select(x => (object?)x.Row.OrderId ?? DBNull.Value).ToArray() });
            log.Parameters.Add(new NpgsqlParameter("mechanic_ids", NpgsqlDbType.Array | NpgsqlDbType.Integer) { Value = attempts.Select(x => (object?)x.Row.MechanicId ?? DBNull.Value).ToArray() });
            log.Parameters.Add(new NpgsqlParameter<string[]>("chats", attempts.Select(x => x.Row.ChatId).ToArray()));
            log.Parameters.Add(new NpgsqlParameter<string[]>("keys", attempts.Select(x => x.Row.DedupKey).ToArray()));
            log.Parameters.Add(new NpgsqlParameter<bool[]>("successes", attempts.Select(x => x.IsSent).ToArray()));
            log.Parameters.Add(new NpgsqlParameter("log_errors", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = attempts.Select(x => (object?)Truncate(x.Error) ?? DBNull.Value).ToArray() });
            batch.BatchCommands.Add(log);
        }

        foreach (var group in outcomes.Where(x => x.IsSent).Select(x => x.Row).GroupBy(HooksFor).Where(g => g.Key is not null))
            foreach (var command in group.Key!.OnSent(group.ToList(), now))
                batch.BatchCommands.Add(command);

        if (tx is not null) batch.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
        // Never cancelled: the outcome of a send that happened must be written.
        await batch.ExecuteNonQueryAsync(CancellationToken.None);
    }

    private static string? Truncate(string? error) =>
        error is { Length: > MaxErrorLength } ? error[..(MaxErrorLength - 1)] + "…" : error;

    [LoggerMessage(Level = LogLevel.Warning, Message = "The database went away before claim {ClaimToken} was sent; handing it back as soon as the database answers ({Count} message(s) known to be in it)")]
    private static partial void LogReleasing(ILogger logger, Exception exception, int count, Guid claimToken);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not hand claim {ClaimToken} back; its messages go out again when its lease ends")]
    private static partial void LogReleaseFailed(ILogger logger, Exception exception, Guid claimToken);

    [LoggerMessage(Level = LogLevel.Error, Message = "No Telegram bot token is configured: {Count} due messages wait until one is")]
    private static partial void LogNotConfigured(ILogger logger, long count);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Claimed {Count} messages (claim {ClaimToken}, lease until {LeaseUntil})")]
    private static partial void LogClaimed(ILogger logger, int count, Guid claimToken, DateTimeOffset leaseUntil);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dispatch: {Sent} of a batch of {Count} sent (claim {ClaimToken})")]
    private static partial void LogBatchSent(ILogger logger, int sent, int count, Guid claimToken);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Message {MessageId} ({Kind}) handed back until {NextAttemptAt}: {Reason}")]
    private static partial void LogDeferred(ILogger logger, long messageId, string kind, DateTimeOffset nextAttemptAt, string? reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The database went away before {Count} outcomes of claim {ClaimToken} were recorded; recording them as soon as it answers")]
    private static partial void LogRecordRetry(ILogger logger, Exception ex, int count, Guid claimToken);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Message {MessageId} ({Kind}) delivered to chat {ChatId} (Telegram message {TelegramMessageId})")]
    private static partial void LogSent(ILogger logger, long messageId, string kind, string chatId, int? telegramMessageId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageId} ({Kind}) not sent: {Reason}")]
    private static partial void LogSkipped(ILogger logger, long messageId, string kind, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageId} ({Kind}) failed transiently (attempt {Attempt} of {MaxAttempts}); next attempt at {NextAttemptAt}: {Error}")]
    private static partial void LogRetrying(ILogger logger, long messageId, string kind, int attempt, int maxAttempts, DateTimeOffset nextAttemptAt, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Message {MessageId} ({Kind}) is no longer this dispatcher's (cancelled or reclaimed); not sending")]
    private static partial void LogNoLongerOurs(ILogger logger, long messageId, string kind);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Telegram refused the photo of message {MessageId} for chat {ChatId} ({Error}); sending the text instead")]
    private static partial void LogPhotoRefused(ILogger logger, long messageId, string chatId, string? error);
}
