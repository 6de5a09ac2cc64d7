using System.Globalization;
using System.Net;
using FelixHub.Core.Delivery;
using FelixHub.Core.Common;
using FelixHub.Core.Persistence;
using FelixHub.Core.Wildberries.Api;
using FelixHub.Core.Wildberries.Data;
using FelixHub.Core.Wildberries.Notifications;
using FelixHub.Core.Wildberries.Sync;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Refit;

namespace FelixHub.Core.Wildberries.Cabinets;

/// <summary>
/// Registration of a seller's key (seed 003): checked locally (JWT shape, expiry) and by WB's
/// <c>/ping</c>, stored encrypted, joined to an existing cabinet when the same key is already known,
/// and followed by the silent initial sync. Also the cabinet view and the users' notification settings.
/// </summary>
public sealed partial class CabinetService(
    FelixHubDbContext db,
    NpgsqlDataSource dataSource,
    IWbStatisticsApi statistics,
    WbKeyProtector keys,
    IBackgroundJobClient jobs,
    IOptionsMonitor<WildberriesOptions> options,
    TimeProvider time,
    ILogger<CabinetService> logger)
{
    /// <summary><c>POST /api/cabinets</c>: the body checked, then <see cref="RegisterKeyAsync"/>; a key it refuses is a 400 naming <c>apiKey</c>.</summary>
    public async Task<RegisterCabinetResponse> RegisterAsync(RegisterCabinetRequest request, CancellationToken ct)
    {
        var apiKey = request.ApiKey?.Trim();
        new Validator()
            .Check(TelegramChatId.TryParseUserId(request.TelegramId, out var telegramId), "telegramId",
                "'telegramId' must be the user's Telegram id: a positive integer, as a string (\"123456789\") or a number.")
            .Required(apiKey, "apiKey", WbApiKey.MaxLength)
            .ThrowIfInvalid();
        var registration = await RegisterKeyAsync(telegramId, apiKey!, ct);
        if (registration.Refusal is { } refusal) throw RequestValidationException.For("apiKey", refusal.Reason);
        return new RegisterCabinetResponse(registration.CabinetId, registration.State, [.. registration.MissingCategories.Select(KeyCategoryGap.Of)]);
    }

    /// <summary>
    /// The one registration of a key, for the API and the bot alike: checked locally (JWT shape,
    /// expiry, categories: Statistics is required, the others only cost notifications) and by WB's
    /// <c>/ping</c>; a refused key comes back as <see cref="CabinetRegistration.Refusal"/>
    /// (nothing stored), WB being unreachable or rate-limited throws <see cref="WbUnavailableException"/>.
    /// An accepted key is stored encrypted, the user joins its cabinet, and the initial sync is queued
    /// (or, for a cabinet already synced, the "sync complete" message that opens the main menu).
    /// </summary>
    /// <para>With <paramref name="start"/> false nothing is queued yet: the caller (the bot) answers the
    /// seller first and then calls <see cref="StartAsync"/>, so no message of the cabinet can overtake its
    /// reply to the key. Should it never call it (a crash), the fan-out queues the initial sync once the
    /// queued mark (<c>sync_enqueued_at</c>) is older than the sync lease.</para>
    public async Task<CabinetRegistration> RegisterKeyAsync(long telegramId, string key, CancellationToken ct, bool start = true)
    {
        var apiKey = key.Trim();
        var now = time.GetUtcNow();
        if (telegramId <= 0) throw new ArgumentOutOfRangeException(nameof(telegramId), "A Telegram id is positive.");
        if (CheckLocally(apiKey, now, out var info) is { } refusedLocally) return refusedLocally;
        if (await PingAsync(apiKey, ct) is { } rejected) return rejected;

        var hash = WbApiKey.Hash(apiKey);
        var encrypted = keys.Protect(apiKey);
        var historyFrom = now - TimeSpan.FromDays(options.CurrentValue.InitialSyncDays);

        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        long cabinetId;
        string state;
        await using (var upsert = new NpgsqlCommand($"""
            INSERT INTO wb_cabinets (api_key_encrypted, api_key_hash, token_type, key_expires_at, state, history_from, created_at, updated_at, sync_enqueued_at,
                refused_categories)
            VALUES ($1, $2, $3, $4, '{CabinetState.InitialSync}', $5, $6, $6, $6, 0)
            ON CONFLICT (api_key_hash) DO UPDATE SET
                api_key_encrypted = excluded.api_key_encrypted, token_type = excluded.token_type,
                key_expires_at = excluded.key_expires_at, updated_at = excluded.updated_at,
                state = CASE WHEN wb_cabinets.state = '{CabinetState.KeyRejected}'
                             THEN CASE WHEN wb_cabinets.initial_sync_completed_at IS NULL THEN '{CabinetState.InitialSync}' ELSE '{CabinetState.Active}' END
                             ELSE wb_cabinets.state END
            RETURNING id, state
            """, connection, tx))
        {
            upsert.Parameters.Add(SqlJson.Text(encrypted));
            upsert.Parameters.Add(SqlJson.Text(hash));
            upsert.Parameters.Add(new NpgsqlParameter { Value = (object?)info.TokenType ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer });
            upsert.Parameters.Add(new NpgsqlParameter { Value = info.ExpiresAt is { } e ? e : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
            upsert.Parameters.Add(SqlJson.Time(historyFrom));
            upsert.Parameters.Add(SqlJson.Time(now));
            await using var reader = await upsert.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            cabinetId = reader.GetInt64(0);
            state = reader.GetString(1);
        }

        bool joined;
        await using (var user = new NpgsqlCommand("""
            INSERT INTO cabinet_users (cabinet_id, telegram_id, created_at) VALUES ($1, $2, $3)
            ON CONFLICT (cabinet_id, telegram_id) DO NOTHING
            """, connection, tx))
        {
            user.Parameters.Add(SqlJson.Long(cabinetId));
            user.Parameters.Add(SqlJson.Long(telegramId));
            user.Parameters.Add(SqlJson.Time(now));
            joined = await user.ExecuteNonQueryAsync(ct) == 1;
        }
        // A user of the cabinet registering its key again asks for another try of what WB refused; a user
        // joining with the same key does not, or every new user would have the others told again.
        var disabled = await ApplyKeyClaimsAsync(connection, tx, cabinetId, info, hash, reenable: !joined, ct);

        await tx.CommitAsync(ct);
        LogRegistered(logger, cabinetId, telegramId, state, joined);

        var registration = new CabinetRegistration(cabinetId, state) { MissingCategories = info.MissingSyncCategories, DisabledCategories = disabled };
        if (start) await StartAsync(registration, telegramId, announceSynced: true, ct);
        return registration;
    }

    /// <summary>
    /// What follows an accepted key, once the seller has had the answer to it: the initial sync is queued;
    /// for a cabinet already synced, the user gets the "sync complete" message that opens the main menu
    /// (unless <paramref name="announceSynced"/> is false: the bot's answer carries the menu itself); and the
    /// key's expiry warning, if it is due, is written for the user (<see cref="WbKeyExpiry"/>).
    /// </summary>
    public async Task StartAsync(CabinetRegistration registration, long telegramId, bool announceSynced, CancellationToken ct)
    {
        var cabinetId = registration.CabinetId;
        var now = time.GetUtcNow();
        var queued = 0;
        await using (var connection = await dataSource.OpenConnectionAsync(ct))
        await using (var tx = await connection.BeginTransactionAsync(ct))
        {
            if (announceSynced && registration.State == CabinetState.Active)
            {
                var counts = await CountsAsync(connection, tx, cabinetId, ct);
                queued += await WbSyncStore.EnqueueAsync(connection, tx, cabinetId,
                    [WbSyncService.SyncCompleteEvent(cabinetId, counts[0], counts[1], counts[2], counts[3], registration.DisabledCategories)], now, ct,
                    onlyTelegramId: telegramId);
            }
            queued += await WbKeyExpiry.WarnAsync(connection, tx, cabinetId, now, ct, onlyTelegramId: telegramId);
            await tx.CommitAsync(ct);
        }

        if (queued > 0)
            jobs.Enqueue<DeliveryDispatchJob>(j => j.ExecuteAsync(CancellationToken.None));
        if (registration.State == CabinetState.InitialSync)
            jobs.Enqueue<WbCabinetSyncJob>(j => j.ExecuteAsync(cabinetId, CancellationToken.None));
    }

    /// <summary>
    /// Records what a cabinet's (new, re-registered or replacing) key says about itself — type, expiry,
    /// categories, the seller account WB's rate limits count against — and, when <paramref name="reenable"/>,
    /// turns back on every category WB had refused that this key claims (the next sync asks WB again).
    /// Returns the categories the sync now leaves out (bits as in <c>s</c>). Runs in the caller's
    /// transaction; registering a key calls it, and so must anything that replaces a cabinet's key
    /// (with <paramref name="reenable"/>: a new key is a new answer from WB).
    /// </summary>
    public static async Task<int> ApplyKeyClaimsAsync(NpgsqlConnection connection, NpgsqlTransaction tx, long cabinetId, WbApiKeyInfo info, string keyHash,
        bool reenable, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            UPDATE wb_cabinets SET token_type = $2, key_expires_at = $3, key_scopes = $4, rate_limit_account = $5,
                refused_categories = CASE WHEN $6 THEN refused_categories & ~$4 ELSE refused_categories END
            WHERE id = $1
            RETURNING refused_categories
            """, connection, tx);
        command.Parameters.Add(SqlJson.Long(cabinetId));
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)info.TokenType ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer });
        command.Parameters.Add(new NpgsqlParameter { Value = info.ExpiresAt is { } e ? e : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = info.Scopes });
        command.Parameters.Add(SqlJson.Text(info.RateLimitAccount(keyHash)));
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = reenable });
        var refused = (int)(await command.ExecuteScalarAsync(ct))!;
        return WbCategories.Disabled(info.Scopes, refused);
    }

    public async Task<CabinetResponse> GetAsync(long id, CancellationToken ct)
    {
        var cabinet = await db.Set<WbCabinet>().AsNoTracking().Where(c => c.Id == id)
            .Select(c => new { c.Id, c.State, c.LastSyncAt, c.KeyScopes, c.RefusedCategories }).SingleOrDefaultAsync(ct)
            ?? throw new NotFoundException("Cabinet", id);
        var disabled = WbCategories.In(WbCategories.Disabled(cabinet.KeyScopes, cabinet.RefusedCategories)).Select(WbCategories.Code).ToList();
        var users = await db.Set<CabinetUser>().AsNoTracking().Where(u => u.CabinetId == id).OrderBy(u => u.CreatedAt).ThenBy(u => u.Id)
            .Select(u => new { u.TelegramId, u.CreatedAt }).ToListAsync(ct);
        return new CabinetResponse(cabinet.Id, cabinet.State, cabinet.LastSyncAt, disabled,
            [.. users.Select(u => new CabinetUserResponse(u.TelegramId.ToString(CultureInfo.InvariantCulture), u.CreatedAt))]);
    }

    public async Task<NotificationSettingsDto> GetSettingsAsync(long telegramId, CancellationToken ct)
    {
        CheckTelegramId(telegramId);
        var settings = await db.Set<NotificationSettings>().AsNoTracking().SingleOrDefaultAsync(s => s.TelegramId == telegramId, ct);
        if (settings is null && !await db.Set<CabinetUser>().AnyAsync(u => u.TelegramId == telegramId, ct))
            throw new NotFoundException("User", telegramId);
        return ToDto(settings ?? new NotificationSettings { TelegramId = telegramId });
    }

    public async Task<NotificationSettingsDto> PutSettingsAsync(long telegramId, NotificationSettingsDto body, CancellationToken ct)
    {
        CheckTelegramId(telegramId);
        const string message = "is required (every switch is sent on PUT).";
        new Validator()
            .Check(body.NotificationsEnabled is not null, "notificationsEnabled", "'notificationsEnabled' " + message)
            .Check(body.NewOrdersEnabled is not null, "newOrdersEnabled", "'newOrdersEnabled' " + message)
            .Check(body.OrderBuyoutsEnabled is not null, "orderBuyoutsEnabled", "'orderBuyoutsEnabled' " + message)
            .Check(body.OrderCancellationsEnabled is not null, "orderCancellationsEnabled", "'orderCancellationsEnabled' " + message)
            .Check(body.OrderReturnsEnabled is not null, "orderReturnsEnabled", "'orderReturnsEnabled' " + message)
            .Check(body.NegativeReviewsEnabled is not null, "negativeReviewsEnabled", "'negativeReviewsEnabled' " + message)
            .Check(body.CriticalStocksEnabled is not null, "criticalStocksEnabled", "'criticalStocksEnabled' " + message)
            .ThrowIfInvalid();

        await using var command = dataSource.CreateCommand("""
            INSERT INTO notification_settings (telegram_id, notifications_enabled, new_orders_enabled, order_buyouts_enabled,
                order_cancellations_enabled, order_returns_enabled, negative_reviews_enabled, critical_stocks_enabled, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
            ON CONFLICT (telegram_id) DO UPDATE SET
                notifications_enabled = excluded.notifications_enabled, new_orders_enabled = excluded.new_orders_enabled,
                order_buyouts_enabled = excluded.order_buyouts_enabled, order_cancellations_enabled = excluded.order_cancellations_enabled,
                order_returns_enabled = excluded.order_returns_enabled, negative_reviews_enabled = excluded.negative_reviews_enabled,
                critical_stocks_enabled = excluded.critical_stocks_enabled, updated_at = excluded.updated_at
            """);
        command.Parameters.Add(SqlJson.Long(telegramId));
        foreach (var flag in new[] { body.NotificationsEnabled, body.NewOrdersEnabled, body.OrderBuyoutsEnabled, body.OrderCancellationsEnabled,
                     body.OrderReturnsEnabled, body.NegativeReviewsEnabled, body.CriticalStocksEnabled })
            command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = flag!.Value });
        command.Parameters.Add(SqlJson.Time(time.GetUtcNow()));
        await command.ExecuteNonQueryAsync(ct);
        LogSettingsChanged(logger, telegramId);
        return body;
    }

    /// <summary>The checks of a key that need no one else: length, JWT shape, expiry, the Statistics category. Null when it passes.</summary>
    private static CabinetRegistration? CheckLocally(string apiKey, DateTimeOffset now, out WbApiKeyInfo info)
    {
        info = new WbApiKeyInfo(null, null);
        if (apiKey.Length is 0 or > WbApiKey.MaxLength)
            return CabinetRegistration.Refused(KeyRefusal.Malformed, $"The key must be 1 to {WbApiKey.MaxLength} characters long.");
        if (WbApiKey.Inspect(apiKey, now, out info) is { } problem)
            return CabinetRegistration.Refused(info.ExpiresAt <= now ? KeyRefusal.Expired : KeyRefusal.Malformed, problem, info.ExpiresAt);
        if (!info.Has(WbCategory.Statistics))
            return CabinetRegistration.Refused(KeyRefusal.NoStatistics,
                "The key has no access to the Statistics category (its 's' claim), without which orders, buyouts, cancellations and returns cannot be synced. " +
                "Create a key with the Statistics, Analytics, Content and Feedbacks and questions categories (read-only is enough).");
        return null;
    }

    /// <summary>Null when WB accepts the key; the refusal when it answers 401/403; throws <see cref="WbUnavailableException"/> otherwise.</summary>
    private async Task<CabinetRegistration?> PingAsync(string apiKey, CancellationToken ct)
    {
        try
        {
            var ping = await statistics.PingAsync(apiKey, ct);
            if (!string.Equals(ping.Status, "OK", StringComparison.OrdinalIgnoreCase))
                throw new WbUnavailableException($"WB's /ping answered status '{ping.Status}'.");
            return null;
        }
        catch (ApiException ex) when (ex.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            LogKeyRejected(logger, (int)ex.StatusCode);
            var reason = WbErrors.Describe(ex.Content);
            return CabinetRegistration.Refused(KeyRefusal.RejectedByWb,
                $"Wildberries rejected the key ({(int)ex.StatusCode}): {reason}. Check that the token is current and has access to statistics.",
                wbStatus: (int)ex.StatusCode, wbReason: reason);
        }
        catch (ApiException ex) when (ex.StatusCode == HttpStatusCode.TooManyRequests)
        {
            var retry = WbErrors.RetryAfter(ex.Headers, time.GetUtcNow());
            throw new WbUnavailableException("Wildberries limits /ping (3 calls per 30 s); try again shortly.", retry, ex);
        }
        catch (ApiException ex)
        {
            throw new WbUnavailableException($"Wildberries could not check the key ({(int)ex.StatusCode}): {WbErrors.Describe(ex.Content)}", null, ex);
        }
        catch (HttpRequestException ex)
        {
            throw new WbUnavailableException("Wildberries is unreachable; try again shortly.", null, ex);
        }
        catch (TaskCanceledException ex) when (!ct.IsCancellationRequested)
        {
            throw new WbUnavailableException("Wildberries did not answer in time; try again shortly.", null, ex);
        }
    }

    private static async Task<int[]> CountsAsync(NpgsqlConnection connection, NpgsqlTransaction tx, long cabinetId, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            SELECT (SELECT count(*) FROM wb_orders WHERE cabinet_id = $1)::int, (SELECT count(*) FROM wb_sales WHERE cabinet_id = $1)::int,
                   (SELECT count(*) FROM wb_reviews WHERE cabinet_id = $1)::int, (SELECT count(*) FROM wb_products WHERE cabinet_id = $1)::int
            """, connection, tx);
        command.Parameters.Add(SqlJson.Long(cabinetId));
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return [reader.GetInt32(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetInt32(3)];
    }

    private static void CheckTelegramId(long telegramId) =>
        new Validator().Check(telegramId > 0, "telegramId", "'telegramId' must be a positive Telegram id.").ThrowIfInvalid();

    private static NotificationSettingsDto ToDto(NotificationSettings s) =>
        new(s.NotificationsEnabled, s.NewOrdersEnabled, s.OrderBuyoutsEnabled, s.OrderCancellationsEnabled, s.OrderReturnsEnabled,
            s.NegativeReviewsEnabled, s.CriticalStocksEnabled);

    [LoggerMessage(Level = LogLevel.Information, Message = "Telegram user {TelegramId} registered a WB key: cabinet {CabinetId} ({State}, new user: {Joined})")]
    private static partial void LogRegistered(ILogger logger, long cabinetId, long telegramId, string state, bool joined);

    [LoggerMessage(Level = LogLevel.Information, Message = "WB rejected a key at registration ({Status})")]
    private static partial void LogKeyRejected(ILogger logger, int status);

    [LoggerMessage(Level = LogLevel.Information, Message = "Notification settings of Telegram user {TelegramId} changed")]
    private static partial void LogSettingsChanged(ILogger logger, long telegramId);
}
