using System.Globalization;
using FelixHub.Core.Common;
using FelixHub.Core.Telegram;
using FelixHub.Core.Wildberries.Data;
using FelixHub.Core.Wildberries.Sync;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace FelixHub.Core.Wildberries.Notifications;

/// <summary>
/// Delivers the WB outbox (its own batch dispatcher, not the delivery ledger). A batch is claimed with <c>FOR UPDATE SKIP LOCKED</c>
/// and its rows are made invisible for <c>DispatchClaimSeconds</c> in one short transaction; each row
/// is then sent through the one Telegram sender and its outcome committed on its own, so replicas
/// share the work, a crash re-sends at most the rows in flight, and nothing waits on a held lock.
/// The chats of a batch are served in parallel (<c>Telegram:BatchSendParallelism</c>), each chat's rows
/// in order; the shared limiter paces every send.
/// A photo that Telegram refuses (400) falls back to the text.
/// </summary>
public sealed partial class WbNotificationDispatcher(
    NpgsqlDataSource dataSource,
    ITelegramSender telegram,
    WbWebhookSender webhook,
    IOptionsMonitor<WildberriesOptions> options,
    IOptionsMonitor<TelegramOptions> telegramOptions,
    TimeProvider time,
    ILogger<WbNotificationDispatcher> logger)
{
    private const int MaxBatchesPerRun = 200;

    private sealed record Claimed(long Id, long CabinetId, long TelegramId, string EventType, string EventKey, string Text, string? PhotoUrl, int Attempts);

    /// <summary>Sends what is due; returns how many were delivered.</summary>
    public async Task<int> DispatchAsync(CancellationToken ct)
    {
        var sent = 0;
        for (var batch = 0; batch < MaxBatchesPerRun; batch++)
        {
            var o = options.CurrentValue;
            var claimed = await ClaimAsync(o, ct);
            if (claimed.Count == 0) break;
            var allowed = await StillAllowedAsync(claimed, ct);
            var outcomes = claimed.Where(r => !allowed.Contains(r.Id))
                .Select(r => new Outcome(r.Id, WbNotificationStatus.Skipped, "switched off in the user's settings before delivery"))
                .ToList();
            if (outcomes.Count > 0) await RecordAsync(outcomes, ct);

            // A plain text to a chat with one row in the batch takes the bulk path: one claim of the
            // chats, parallel sends at the bot's pace, one statement for every outcome. Photos, the menu
            // and a chat with several rows (sent one after another, in order) take the single path,
            // chats in parallel.
            var chats = claimed.Where(r => allowed.Contains(r.Id)).GroupBy(r => r.TelegramId).ToList();
            var bulk = chats.Where(c => c.Count() == 1 && IsPlainText(c.First())).Select(c => c.First()).ToList();
            var single = chats.Where(c => c.Count() > 1 || !IsPlainText(c.First())).ToList();
            var bulkSent = bulk.Count > 0 ? SendBulkAsync(bulk, o, ct) : Task.FromResult(0);
            await Parallel.ForEachAsync(single,
                new ParallelOptions { MaxDegreeOfParallelism = telegramOptions.CurrentValue.BatchSendParallelism, CancellationToken = ct },
                async (chat, token) =>
                {
                    foreach (var row in chat)
                        if (await DeliverAsync(row, o, token))
                            Interlocked.Increment(ref sent);
                });
            sent += await bulkSent;
        }
        return sent;
    }

    private bool IsPlainText(Claimed row) =>
        !webhook.IsEnabled && row.EventType != WbEventType.SyncComplete && !HasPhoto(row);

    private static bool HasPhoto(Claimed row) => row.PhotoUrl is { Length: > 0 } && row.Text.Length <= WbMessages.MaxCaptionLength;

    private async Task<int> SendBulkAsync(List<Claimed> rows, WildberriesOptions o, CancellationToken ct)
    {
        var messages = rows.Select(r => new TelegramMessage(r.TelegramId.ToString(CultureInfo.InvariantCulture), r.Text)).ToList();
        var results = await telegram.SendHtmlBatchAsync(messages, ct);
        var outcomes = rows.Select((row, i) => Decide(row, results[i], o)).ToList();
        // The messages are out: their outcomes are written even when a stop was requested meanwhile.
        await RecordAsync(outcomes, CancellationToken.None);
        var sent = outcomes.Count(x => x.Status == WbNotificationStatus.Sent);
        LogBatch(logger, rows.Count, sent, outcomes.Count(x => x.Status == WbNotificationStatus.Pending), outcomes.Count(x => x.Status == WbNotificationStatus.Failed));
        return sent;
    }

    private async Task<List<Claimed>> ClaimAsync(WildberriesOptions o, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await using var command = dataSource.CreateCommand($"""
            WITH due AS MATERIALIZED (
                SELECT id FROM wb_notifications
                WHERE status = '{WbNotificationStatus.Pending}' AND next_attempt_at <= $1
                ORDER BY next_attempt_at, id
                LIMIT $2
                FOR UPDATE SKIP LOCKED
            )
            UPDATE wb_notifications n SET attempts = n.attempts + 1, next_attempt_at = $3
            FROM due WHERE n.id = due.id
            RETURNING n.id, n.cabinet_id, n.telegram_id, n.event_type, n.event_key, n.text, n.photo_url, n.attempts
            """);
        command.Parameters.Add(SqlJson.Time(now));
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = o.DispatchBatchSize });
        command.Parameters.Add(SqlJson.Time(now + TimeSpan.FromSeconds(o.DispatchClaimSeconds)));
        var rows = new List<Claimed>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            rows.Add(new Claimed(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetString(3), reader.GetString(4),
                reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6), reader.GetInt32(7)));
        return rows.OrderBy(r => r.Id).ToList();
    }

    /// <summary>Settings apply at once: a row whose type the user has switched off since it was queued is not sent.</summary>
    private async Task<HashSet<long>> StillAllowedAsync(List<Claimed> rows, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT n.id FROM wb_notifications n
            LEFT JOIN notification_settings s ON s.telegram_id = n.telegram_id
            WHERE n.id = ANY($1) AND {WbEventType.AllowedSql("n.event_type")}
            """);
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = rows.Select(r => r.Id).ToArray() });
        var allowed = new HashSet<long>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) allowed.Add(reader.GetInt64(0));
        return allowed;
    }

    private async Task<bool> DeliverAsync(Claimed row, WildberriesOptions o, CancellationToken ct)
    {
        var chatId = row.TelegramId.ToString(CultureInfo.InvariantCulture);
        using var scope = Correlation.Push("chatId", chatId);
        var result = webhook.IsEnabled
            ? await webhook.SendAsync(new WbWebhookPayload(row.EventKey, row.EventType, row.TelegramId, row.CabinetId, row.Text, row.PhotoUrl), ct)
            : HasPhoto(row)
                ? await telegram.SendPhotoAsync(chatId, row.PhotoUrl!, row.Text, ct)
                // The end of the initial sync opens the bot's main menu (seed 003): never before it.
                : await telegram.SendHtmlAsync(chatId, row.Text, row.EventType == WbEventType.SyncComplete ? SellerMenu.MainKeyboard : null, ct);
        if (!webhook.IsEnabled && row.PhotoUrl is not null && result is { Status: TelegramSendStatus.PermanentFailure, ErrorCode: 400 })
        {
            LogPhotoFallback(logger, row.EventKey, chatId, result.Error);
            result = await telegram.SendHtmlAsync(chatId, row.Text, ct);
        }

        var outcome = Decide(row, result, o);
        await RecordAsync([outcome], result.IsSent ? CancellationToken.None : ct);
        return outcome.Status == WbNotificationStatus.Sent;
    }

    private sealed record Outcome(long Id, string Status, string? Error, DateTimeOffset? NextAttemptAt = null, bool GiveBackAttempt = false);

    /// <summary>What a send's result means for the row (and the log): sent, refused, retried later, or handed back.</summary>
    private Outcome Decide(Claimed row, TelegramSendResult result, WildberriesOptions o)
    {
        var chatId = row.TelegramId.ToString(CultureInfo.InvariantCulture);
        switch (result.Status)
        {
            case TelegramSendStatus.Sent:
                LogSent(logger, row.EventType, row.EventKey, chatId);
                return new Outcome(row.Id, WbNotificationStatus.Sent, null);
            case TelegramSendStatus.PermanentFailure:
                LogRefused(logger, row.EventKey, chatId, result.Error);
                return new Outcome(row.Id, WbNotificationStatus.Failed, result.Error);
            case TelegramSendStatus.NotConfigured:
                // Not the row's fault: give the attempt back and look again in a minute.
                return new Outcome(row.Id, WbNotificationStatus.Pending, result.Error, time.GetUtcNow() + TimeSpan.FromMinutes(1), GiveBackAttempt: true);
            case TelegramSendStatus.Deferred:
                // Not attempted (the chat was busy, or the dispatcher is stopping): no attempt spent.
                return new Outcome(row.Id, WbNotificationStatus.Pending, null, time.GetUtcNow() + (result.RetryAfter ?? TimeSpan.Zero), GiveBackAttempt: true);
            default:
                if (row.Attempts >= o.DispatchMaxAttempts)
                {
                    LogGaveUp(logger, row.EventKey, chatId, row.Attempts, result.Error);
                    return new Outcome(row.Id, WbNotificationStatus.Failed, result.Error);
                }
                return new Outcome(row.Id, WbNotificationStatus.Pending, result.Error,
                    time.GetUtcNow() + TimeSpan.FromSeconds(o.DispatchRetryDelaySeconds * Math.Pow(2, row.Attempts - 1)));
        }
    }

    /// <summary>
    /// Writes outcomes in one statement: each row's status, error, next attempt (and the attempt given
    /// back), and for the sent ones the history row that keeps an event from ever being told twice.
    /// </summary>
    private async Task RecordAsync(IReadOnlyList<Outcome> outcomes, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            WITH v AS (
                SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::timestamptz[], $5::boolean[]) AS v(id, status, error, next, give_back)
            ), updated AS (
                UPDATE wb_notifications n
                SET status = v.status, error = v.error, next_attempt_at = COALESCE(v.next, n.next_attempt_at),
                    sent_at = CASE WHEN v.status = 'sent' THEN $6 ELSE n.sent_at END,
                    attempts = n.attempts - CASE WHEN v.give_back THEN 1 ELSE 0 END
                FROM v WHERE n.id = v.id
                RETURNING n.telegram_id, n.event_key, n.event_type, n.cabinet_id, n.status
            )
            INSERT INTO notification_history (telegram_id, event_key, event_type, cabinet_id, sent_at)
            SELECT telegram_id, event_key, event_type, cabinet_id, $6 FROM updated WHERE status = 'sent'
            ON CONFLICT (telegram_id, event_key) DO NOTHING
            """);
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. outcomes.Select(x => x.Id)] });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. outcomes.Select(x => x.Status)] });
        command.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = [.. outcomes.Select(x => Cut(x.Error))] });
        command.Parameters.Add(new NpgsqlParameter<DateTime?[]> { TypedValue = [.. outcomes.Select(x => x.NextAttemptAt?.UtcDateTime)] });
        command.Parameters.Add(new NpgsqlParameter<bool[]> { TypedValue = [.. outcomes.Select(x => x.GiveBackAttempt)] });
        command.Parameters.Add(SqlJson.Time(time.GetUtcNow()));
        await command.ExecuteNonQueryAsync(ct);
    }

    private static string? Cut(string? text) => text is null || text.Length <= 2000 ? text : text[..2000];

    [LoggerMessage(Level = LogLevel.Information, Message = "WB batch of {Count}: {Sent} sent, {Deferred} handed back for later, {Failed} failed")]
    private static partial void LogBatch(ILogger logger, int count, int sent, int deferred, int failed);

    [LoggerMessage(Level = LogLevel.Information, Message = "WB {EventType} notification {EventKey} delivered to chat {ChatId}")]
    private static partial void LogSent(ILogger logger, string eventType, string eventKey, string chatId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Telegram refused the photo of {EventKey} for chat {ChatId} ({Error}); sending the text instead")]
    private static partial void LogPhotoFallback(ILogger logger, string eventKey, string chatId, string? error);

    [LoggerMessage(Level = LogLevel.Error, Message = "WB notification {EventKey} refused by Telegram for chat {ChatId}: {Error}; not retried")]
    private static partial void LogRefused(ILogger logger, string eventKey, string chatId, string? error);

    [LoggerMessage(Level = LogLevel.Error, Message = "WB notification {EventKey} to chat {ChatId} failed after {Attempts} attempts: {Error}; marked failed")]
    private static partial void LogGaveUp(ILogger logger, string eventKey, string chatId, int attempts, string? error);
}
