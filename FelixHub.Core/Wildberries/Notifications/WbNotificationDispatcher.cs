using System.Globalization;
using FelixHub.Core.Bot;
using FelixHub.Core.Common;
using FelixHub.Core.Telegram;
using FelixHub.Core.Wildberries.Data;
using FelixHub.Core.Wildberries.Sync;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace FelixHub.Core.Wildberries.Notifications;

/// <summary>
/// Delivers the WB outbox (design.md's bulk path). A batch is claimed with <c>FOR UPDATE SKIP LOCKED</c>
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
            // Chats in parallel (each send still waits for its chat's and the bot's turn in the shared
            // limiter), one chat's rows in order: a buyout never overtakes the order it belongs to.
            await Parallel.ForEachAsync(claimed.GroupBy(r => r.TelegramId),
                new ParallelOptions { MaxDegreeOfParallelism = telegramOptions.CurrentValue.BatchSendParallelism, CancellationToken = ct },
                async (chat, token) =>
                {
                    foreach (var row in chat)
                    {
                        if (!allowed.Contains(row.Id))
                            await MarkAsync(row.Id, WbNotificationStatus.Skipped, "switched off in the user's settings before delivery", null, token);
                        else if (await DeliverAsync(row, o, token))
                            Interlocked.Increment(ref sent);
                    }
                });
        }
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
            : row.PhotoUrl is { Length: > 0 } photo && row.Text.Length <= WbMessages.MaxCaptionLength
                ? await telegram.SendPhotoAsync(chatId, photo, row.Text, ct)
                // The end of the initial sync opens the bot's main menu (seed 003): never before it.
                : await telegram.SendHtmlAsync(chatId, row.Text, row.EventType == WbEventType.SyncComplete ? SellerMenu.MainKeyboard : null, ct);
        if (!webhook.IsEnabled && row.PhotoUrl is not null && result is { Status: TelegramSendStatus.PermanentFailure, ErrorCode: 400 })
        {
            LogPhotoFallback(logger, row.EventKey, chatId, result.Error);
            result = await telegram.SendHtmlAsync(chatId, row.Text, ct);
        }

        switch (result.Status)
        {
            case TelegramSendStatus.Sent:
                await MarkSentAsync(row, ct);
                LogSent(logger, row.EventType, row.EventKey, chatId);
                return true;
            case TelegramSendStatus.PermanentFailure:
                await MarkAsync(row.Id, WbNotificationStatus.Failed, result.Error, null, ct);
                LogRefused(logger, row.EventKey, chatId, result.Error);
                return false;
            case TelegramSendStatus.NotConfigured:
                // Not the row's fault: give the attempt back and look again in a minute.
                await MarkAsync(row.Id, WbNotificationStatus.Pending, result.Error, time.GetUtcNow() + TimeSpan.FromMinutes(1), ct, giveBackAttempt: true);
                return false;
            default:
                if (row.Attempts >= o.DispatchMaxAttempts)
                {
                    await MarkAsync(row.Id, WbNotificationStatus.Failed, result.Error, null, ct);
                    LogGaveUp(logger, row.EventKey, chatId, row.Attempts, result.Error);
                }
                else
                {
                    var delay = TimeSpan.FromSeconds(o.DispatchRetryDelaySeconds * Math.Pow(2, row.Attempts - 1));
                    await MarkAsync(row.Id, WbNotificationStatus.Pending, result.Error, time.GetUtcNow() + delay, ct);
                }
                return false;
        }
    }

    private async Task MarkSentAsync(Claimed row, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await using var batch = dataSource.CreateBatch();
        var update = new NpgsqlBatchCommand($"UPDATE wb_notifications SET status = '{WbNotificationStatus.Sent}', sent_at = $2, error = NULL WHERE id = $1");
        update.Parameters.Add(SqlJson.Long(row.Id));
        update.Parameters.Add(SqlJson.Time(now));
        var history = new NpgsqlBatchCommand("""
            INSERT INTO notification_history (telegram_id, event_key, event_type, cabinet_id, sent_at) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (telegram_id, event_key) DO NOTHING
            """);
        history.Parameters.Add(SqlJson.Long(row.TelegramId));
        history.Parameters.Add(SqlJson.Text(row.EventKey));
        history.Parameters.Add(SqlJson.Text(row.EventType));
        history.Parameters.Add(SqlJson.Long(row.CabinetId));
        history.Parameters.Add(SqlJson.Time(now));
        batch.BatchCommands.Add(update);
        batch.BatchCommands.Add(history);
        // A batch without an explicit transaction runs as one implicit transaction.
        await batch.ExecuteNonQueryAsync(ct);
    }

    private async Task MarkAsync(long id, string status, string? error, DateTimeOffset? nextAttemptAt, CancellationToken ct, bool giveBackAttempt = false)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE wb_notifications SET status = $2, error = $3, next_attempt_at = COALESCE($4, next_attempt_at),
                attempts = attempts - CASE WHEN $5 THEN 1 ELSE 0 END
            WHERE id = $1
            """);
        command.Parameters.Add(SqlJson.Long(id));
        command.Parameters.Add(SqlJson.Text(status));
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)Cut(error) ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = nextAttemptAt is { } next ? next.ToUniversalTime() : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = giveBackAttempt });
        await command.ExecuteNonQueryAsync(ct);
    }

    private static string? Cut(string? text) => text is null || text.Length <= 2000 ? text : text[..2000];

    [LoggerMessage(Level = LogLevel.Information, Message = "WB {EventType} notification {EventKey} delivered to chat {ChatId}")]
    private static partial void LogSent(ILogger logger, string eventType, string eventKey, string chatId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Telegram refused the photo of {EventKey} for chat {ChatId} ({Error}); sending the text instead")]
    private static partial void LogPhotoFallback(ILogger logger, string eventKey, string chatId, string? error);

    [LoggerMessage(Level = LogLevel.Error, Message = "WB notification {EventKey} refused by Telegram for chat {ChatId}: {Error}; not retried")]
    private static partial void LogRefused(ILogger logger, string eventKey, string chatId, string? error);

    [LoggerMessage(Level = LogLevel.Error, Message = "WB notification {EventKey} to chat {ChatId} failed after {Attempts} attempts: {Error}; marked failed")]
    private static partial void LogGaveUp(ILogger logger, string eventKey, string chatId, int attempts, string? error);
}
