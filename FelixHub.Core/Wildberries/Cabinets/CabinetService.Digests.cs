using System.Globalization;
using FelixHub.Core.Common;
using FelixHub.Core.Recipients;
using FelixHub.Core.Wildberries.Data;
using FelixHub.Core.Wildberries.Notifications;
using FelixHub.Core.Wildberries.Sync;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace FelixHub.Core.Wildberries.Cabinets;

/// <summary>
/// How a seller gets each kind of WB event (issue 23 §2), as the HTTP API (v1) shows it: <c>immediate</c>,
/// <c>hourly</c> or <c>daily</c> per kind, the daily digest's time (<c>HH:mm</c>) and the time zone both are
/// read in (the chat's <c>recipient_preferences</c>, default <c>Europe/Moscow</c>).
/// </summary>
public sealed record DigestSettingsResponse(
    string NewOrders, string OrderBuyouts, string OrderCancellations, string OrderReturns, string NegativeReviews, string CriticalStocks,
    string DailyAt, string TimeZone);

/// <summary>A change of digest settings: a field left out (or null) is unchanged.</summary>
public sealed record UpdateDigestSettingsRequest(
    string? NewOrders = null, string? OrderBuyouts = null, string? OrderCancellations = null, string? OrderReturns = null,
    string? NegativeReviews = null, string? CriticalStocks = null, string? DailyAt = null);

public sealed partial class CabinetService
{
    /// <summary>The six kinds: the API's field name, the event type and the settings column.</summary>
    private static readonly (string Field, string EventType, string Column)[] DigestKinds =
    [
        ("newOrders", WbEventType.NewOrder, "new_orders_mode"),
        ("orderBuyouts", WbEventType.OrderBuyout, "order_buyouts_mode"),
        ("orderCancellations", WbEventType.OrderCancellation, "order_cancellations_mode"),
        ("orderReturns", WbEventType.OrderReturn, "order_returns_mode"),
        ("negativeReviews", WbEventType.NegativeReview, "negative_reviews_mode"),
        ("criticalStocks", WbEventType.CriticalStock, "critical_stocks_mode"),
    ];

    private static string?[] Modes(UpdateDigestSettingsRequest r) =>
        [r.NewOrders, r.OrderBuyouts, r.OrderCancellations, r.OrderReturns, r.NegativeReviews, r.CriticalStocks];

    public async Task<DigestSettingsResponse> GetDigestSettingsAsync(long telegramId, CancellationToken ct)
    {
        CheckTelegramId(telegramId);
        var settings = await db.Set<NotificationSettings>().AsNoTracking().SingleOrDefaultAsync(s => s.TelegramId == telegramId, ct);
        if (settings is null && !await db.Set<CabinetUser>().AnyAsync(u => u.TelegramId == telegramId, ct))
            throw new NotFoundException("User", telegramId);
        settings ??= new NotificationSettings { TelegramId = telegramId };
        var zone = await TimeZoneOfAsync(telegramId, ct);
        return new DigestSettingsResponse(settings.NewOrdersMode, settings.OrderBuyoutsMode, settings.OrderCancellationsMode, settings.OrderReturnsMode,
            settings.NegativeReviewsMode, settings.CriticalStocksMode, QuietWindow.Format(settings.DigestTime), zone);
    }

    /// <summary>
    /// Sets the named fields in one statement (stored even before the user registers a key, as the switches
    /// are). The events already waiting for a digest of a changed kind are never kept longer than the new
    /// setting promises: switched to <c>immediate</c>, they leave in one digest at once; to a shorter period,
    /// at its end. New events of the kind follow the new setting at once.
    /// </summary>
    public async Task<DigestSettingsResponse> UpdateDigestSettingsAsync(long telegramId, UpdateDigestSettingsRequest request, CancellationToken ct)
    {
        CheckTelegramId(telegramId);
        var modes = Modes(request);
        var v = new Validator();
        for (var i = 0; i < DigestKinds.Length; i++)
            v.Check(modes[i] is null || WbDigestModes.IsValid(modes[i]), DigestKinds[i].Field,
                $"'{DigestKinds[i].Field}' must be 'immediate', 'hourly' or 'daily'.");
        TimeOnly? dailyAt = null;
        if (request.DailyAt is not null && QuietWindow.TryParseTime(request.DailyAt, out var parsed)) dailyAt = parsed;
        v.Check(request.DailyAt is null || dailyAt is not null, "dailyAt", "'dailyAt' must be a time HH:mm (00:00–23:59).");
        v.ThrowIfInvalid();

        var now = time.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var stored = new string[DigestKinds.Length];
        TimeOnly storedAt;
        await using (var upsert = new NpgsqlCommand($"""
            INSERT INTO notification_settings AS s (telegram_id, updated_at, notifications_enabled, new_orders_enabled, order_buyouts_enabled,
                order_cancellations_enabled, order_returns_enabled, negative_reviews_enabled, critical_stocks_enabled,
                {string.Join(", ", DigestKinds.Select(k => k.Column))}, digest_time)
            VALUES ($1, $2, true, true, true, true, true, true, true,
                {string.Join(", ", DigestKinds.Select((_, i) => $"coalesce(${i + 3}, 'immediate')"))}, coalesce($9, '09:00'::time))
            ON CONFLICT (telegram_id) DO UPDATE SET updated_at = $2,
                {string.Join(", ", DigestKinds.Select((k, i) => $"{k.Column} = coalesce(${i + 3}, s.{k.Column})"))},
                digest_time = coalesce($9, s.digest_time)
            RETURNING {string.Join(", ", DigestKinds.Select(k => k.Column))}, digest_time
            """, connection, tx))
        {
            upsert.Parameters.Add(SqlJson.Long(telegramId));
            upsert.Parameters.Add(SqlJson.Time(now));
            foreach (var mode in modes) upsert.Parameters.Add(new NpgsqlParameter { Value = (object?)mode ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Varchar });
            upsert.Parameters.Add(new NpgsqlParameter { Value = (object?)dailyAt ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Time });
            await using var reader = await upsert.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            for (var i = 0; i < DigestKinds.Length; i++) stored[i] = reader.GetString(i);
            storedAt = reader.GetFieldValue<TimeOnly>(DigestKinds.Length);
        }

        var zoneId = await TimeZoneOfAsync(telegramId, ct);
        var zone = WbDigestModes.Zone(zoneId);
        var dueNow = 0;
        for (var i = 0; i < DigestKinds.Length; i++)
        {
            if (modes[i] is null && !(dailyAt is not null && stored[i] == WbDigestModes.Daily)) continue;
            var due = stored[i] == WbDigestModes.Immediate ? now : WbDigestModes.Period(stored[i], storedAt, zone, now).End;
            await using var retime = new NpgsqlCommand("""
                UPDATE wb_digest_items SET due_at = $3
                WHERE telegram_id = $1 AND event_type = $2 AND digest_message_id IS NULL AND due_at > $3
                """, connection, tx);
            retime.Parameters.Add(SqlJson.Long(telegramId));
            retime.Parameters.Add(SqlJson.Text(DigestKinds[i].EventType));
            retime.Parameters.Add(SqlJson.Time(due));
            var changed = await retime.ExecuteNonQueryAsync(ct);
            if (due == now) dueNow += changed;
        }
        await tx.CommitAsync(ct);
        // Waiting events made due now leave in a digest at once, not at the next tick.
        if (dueNow > 0) jobs.Enqueue<WbDigestJob>(j => j.ExecuteAsync(CancellationToken.None));
        LogDigestSettingsChanged(logger, telegramId);
        return new DigestSettingsResponse(stored[0], stored[1], stored[2], stored[3], stored[4], stored[5], QuietWindow.Format(storedAt), zoneId);
    }

    private async Task<string> TimeZoneOfAsync(long telegramId, CancellationToken ct)
    {
        var chat = telegramId.ToString(CultureInfo.InvariantCulture);
        var zone = await db.Set<RecipientPreferences>().AsNoTracking().Where(p => p.ChatId == chat).Select(p => p.TimeZone).SingleOrDefaultAsync(ct);
        return zone ?? QuietWindow.DefaultTimeZone;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Telegram user {TelegramId} changed their WB digest settings")]
    private static partial void LogDigestSettingsChanged(ILogger logger, long telegramId);
}
