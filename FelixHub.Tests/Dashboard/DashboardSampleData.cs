using FelixHub.Core.Wildberries;
using Npgsql;

namespace FelixHub.Tests.Dashboard;

/// <summary>What <see cref="DashboardSampleData.SeedAsync"/> wrote, for the tests to look for.</summary>
public sealed record DashboardSample(
    int StuckOrderId, int ActiveOrderId, long SentMechanicMessageId, long FailedCustomerMessageId, long FailedWbMessageId,
    long UpcomingReminderId, long LateReminderId, long FailedReminderId, string FailedReminderChat, int BookingId,
    long ActiveCabinetId, long RejectedCabinetId, long SyncingCabinetId, string CabinetKeySecret, long HistoryMessages, long HistoryFailed);

/// <summary>
/// Rows of every page's tables, written straight into the database: orders (one stuck in «новый»),
/// ledger messages of several kinds and states with their attempts, a week of finished messages for the
/// chart, WB cabinets in each state with users and sync logs, bookings with due and late reminders.
/// Used by the dashboard's browser tests and by scripts/dashboard-screenshots.sh.
/// </summary>
public static class DashboardSampleData
{
    public const string MechanicChat = "555000";
    public const string CustomerChat = "555001";
    public const string SellerChat = "555002";
    public const string BookingChat = "555003";
    public const string BlockedError = "Forbidden: bot was blocked by the user";

    public static async Task<DashboardSample> SeedAsync(string connectionString, DateTimeOffset now)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var tx = await connection.BeginTransactionAsync();

        // A week of finished messages for the chart: every hour some delivered, now and then a few failed.
        // Written first, oldest first, so ids grow with time as they do in production.
        await ExecuteAsync(connection, """
            WITH hours AS (SELECT h, date_trunc('hour', $1::timestamptz) - make_interval(hours => h) + interval '7 minutes' AS at FROM generate_series(1, 167) AS h),
            rows AS (
                SELECT h, at, n, CASE WHEN n <= (CASE WHEN h % 11 = 0 THEN 3 WHEN h % 5 = 0 THEN 1 ELSE 0 END) THEN 'failed' ELSE 'sent' END AS state
                FROM hours, generate_series(1, 4 + (h * 7) % 13) AS n)
            INSERT INTO delivery_messages (kind, dedup_key, chat_id, text, state, attempts, due_at, created_at, sent_at, finished_at, last_error)
            SELECT CASE WHEN n % 3 = 0 THEN 'new_order' WHEN n % 3 = 1 THEN 'mechanic_status_change' ELSE 'BOOKING_1H' END,
                   'sample-history-' || h || '-' || n, '55509' || (n % 10), 'История ' || h || '/' || n, state, 1, at, at,
                   CASE WHEN state = 'sent' THEN at END, at, CASE WHEN state = 'failed' THEN 'Bad Gateway' END
            FROM rows ORDER BY at, n
            """, now);
        var mechanicId = await ScalarAsync<int>(connection, "INSERT INTO mechanics (name, telegram_id, created_at) VALUES ('Иван Петров', $1, $2) RETURNING id",
            MechanicChat, now.AddDays(-30));
        var stuckOrderId = await ScalarAsync<int>(connection, """
            INSERT INTO orders (car_number, category, parts, status, assigned_mechanic_id, created_at, updated_at, status_changed_at)
            VALUES ('А123ВС77', 'Двигатель', ARRAY['Масляный фильтр'], 'новый', NULL, $1, $1, $1) RETURNING id
            """, now.AddHours(-30));
        var activeOrderId = await ScalarAsync<int>(connection, """
            INSERT INTO orders (car_number, category, parts, status, assigned_mechanic_id, customer_telegram_id, created_at, updated_at, status_changed_at)
            VALUES ('В456ОР99', 'Тормоза', ARRAY['Колодки'], 'в работе', $1, $2, $3, $4, $4) RETURNING id
            """, mechanicId, CustomerChat, now.AddHours(-3), now.AddMinutes(-40));

        var sent = await MessageAsync(connection, "mechanic_status_change", MechanicChat,
            $"🔧 <b>Заказ #{activeOrderId}</b> — статус изменён\nАвтомобиль: В456ОР99\nНовый статус: «в работе»\n<a href=\"https://felix.example/orders/{activeOrderId}\">Открыть заказ</a>",
            "sent", now.AddMinutes(-40), orderId: activeOrderId, mechanicId: mechanicId, jobId: "9001");
        await AttemptAsync(connection, "mechanic_status_change", activeOrderId, mechanicId, MechanicChat, sent.Key, now.AddMinutes(-40), true, null);

        var failedCustomer = await MessageAsync(connection, "customer_status_change", CustomerChat,
            $"Ваш заказ #{activeOrderId} (В456ОР99): «в работе» <i>&amp; скоро будет готов</i>", "failed", now.AddMinutes(-39),
            orderId: activeOrderId, lastError: BlockedError, attempts: 1, jobId: "9002");
        await AttemptAsync(connection, "customer_status_change", activeOrderId, null, CustomerChat, failedCustomer.Key, now.AddMinutes(-39), false, BlockedError);

        await MessageAsync(connection, "stuck_order_alert", "555099", $"⚠️ Заказ #{stuckOrderId} в статусе «новый» больше 24 ч", "sent", now.AddHours(-6), orderId: stuckOrderId);

        // WB cabinets: an active one, one whose key WB refused, one in its initial sync.
        const string secret = "CfDJ8-SAMPLE-ENCRYPTED-KEY-never-shown";
        var active = await CabinetAsync(connection, "active", secret + "-1", now.AddDays(120), now.AddDays(-20), now.AddMinutes(-2), null, null);
        var rejected = await CabinetAsync(connection, "key-rejected", secret + "-2", now.AddDays(-3), now.AddDays(-60), now.AddDays(-3),
            "WB refused the key (401 Unauthorized): token is revoked", null);
        var syncing = await CabinetAsync(connection, "initial-sync", secret + "-3", now.AddDays(10), now.AddMinutes(-5), null, null, now.AddMinutes(10));
        foreach (var (cabinet, users) in new[] { (active, new long[] { 555002, 555010, 555011 }), (rejected, [555020]), (syncing, [555030, 555031]) })
            foreach (var user in users)
                await ExecuteAsync(connection, "INSERT INTO cabinet_users (cabinet_id, telegram_id, created_at) VALUES ($1, $2, $3)", cabinet, user, now.AddDays(-5));
        // WB refused the active cabinet's key Content (photos) during a sync.
        await ExecuteAsync(connection, "UPDATE wb_cabinets SET key_scopes = $2, refused_categories = $3 WHERE id = $1", active,
            WbCategories.Mask(WbCategories.Synced), WbCategories.Bit(WbCategory.Content));
        await SyncLogAsync(connection, active, "regular", "succeeded", now.AddMinutes(-3), now.AddMinutes(-2), null);
        await SyncLogAsync(connection, rejected, "regular", "failed", now.AddDays(-3), now.AddDays(-3).AddSeconds(4), "401 Unauthorized: token is revoked");
        await SyncLogAsync(connection, syncing, "initial", "running", now.AddMinutes(-4), null, null);

        await MessageAsync(connection, "new_order", SellerChat, "🛒 <b>Новый заказ</b>\nТовар: Кружка 350 мл\nЦена: 890 ₽", "sent", now.AddMinutes(-90), cabinetId: active);
        var failedWb = await MessageAsync(connection, "negative_review", SellerChat, "⭐️ <b>Отзыв 2/5</b>\n«Пришла со сколом»", "failed", now.AddMinutes(-80),
            cabinetId: active, lastError: "Bad Request: chat not found", attempts: 1);
        await AttemptAsync(connection, "negative_review", null, null, SellerChat, failedWb.Key, now.AddMinutes(-80), false, "Bad Request: chat not found");
        await MessageAsync(connection, "critical_stock", SellerChat, "📦 Остаток «Кружка 350 мл»: 1 шт.", "skipped", now.AddMinutes(-70), cabinetId: active,
            lastError: "Switched off by the recipient");

        // A booking with its reminders: one sent, one due within the hour, one late, one failed.
        var userId = await ScalarAsync<int>(connection, "INSERT INTO booking_users (telegram_id, name, created_at) VALUES ($1, 'Мария', $2) RETURNING id", BookingChat, now.AddDays(-2));
        var bookingId = await ScalarAsync<int>(connection, """
            INSERT INTO bookings (user_id, resource_name, start_time, end_time, status, created_at) VALUES ($1, 'Переговорная «Волга»', $2, $3, 'active', $4) RETURNING id
            """, userId, now.AddMinutes(75), now.AddMinutes(135), now.AddDays(-2));
        await MessageAsync(connection, "BOOKING_24H", BookingChat, "📅 Завтра: Переговорная «Волга»", "sent", now.AddHours(-23), bookingId: bookingId);
        var upcoming = await MessageAsync(connection, "BOOKING_1H", BookingChat, "⏰ Через час: Переговорная «Волга»", "pending", now.AddDays(-2),
            bookingId: bookingId, dueAt: now.AddMinutes(40), nextAttemptAt: now.AddMinutes(40));
        var late = await MessageAsync(connection, "BOOKING_START", BookingChat, "▶️ Началось: Переговорная «Волга»", "pending", now.AddDays(-1),
            bookingId: bookingId, dueAt: now.AddMinutes(-12), nextAttemptAt: now.AddMinutes(30), lastError: "Internal Server Error", attempts: 2);
        // Reminders go to the booking user's chat as it is when they are sent.
        const string failedReminderChat = BookingChat;
        var failedReminder = await MessageAsync(connection, "BOOKING_END", failedReminderChat, "🏁 Закончилось: Переговорная «Волга»", "failed", now.AddHours(-5),
            bookingId: bookingId, lastError: "Gave up after 5 attempts: Bad Gateway", attempts: 5);

        var historyCount = await ScalarAsync<long>(connection, "SELECT count(*) FROM delivery_messages WHERE dedup_key LIKE 'sample-history-%'");
        var historyFailed = await ScalarAsync<long>(connection, "SELECT count(*) FROM delivery_messages WHERE dedup_key LIKE 'sample-history-%' AND state = 'failed'");

        await tx.CommitAsync();
        return new DashboardSample(stuckOrderId, activeOrderId, sent.Id, failedCustomer.Id, failedWb.Id, upcoming.Id, late.Id, failedReminder.Id,
            failedReminderChat, bookingId, active, rejected, syncing, secret, historyCount, historyFailed);
    }

    private static async Task<(long Id, string Key)> MessageAsync(NpgsqlConnection connection, string kind, string? chat, string text, string state,
        DateTimeOffset createdAt, int? orderId = null, int? mechanicId = null, int? bookingId = null, long? cabinetId = null, string? lastError = null,
        int attempts = 0, string? jobId = null, DateTimeOffset? dueAt = null, DateTimeOffset? nextAttemptAt = null)
    {
        var key = $"sample-{kind}-{Guid.NewGuid():N}";
        var final = state is "sent" or "failed" or "skipped" or "cancelled";
        var id = await ScalarAsync<long>(connection, """
            INSERT INTO delivery_messages (kind, dedup_key, chat_id, text, state, attempts, last_error, order_id, mechanic_id, booking_id, cabinet_id,
                                           due_at, next_attempt_at, created_at, sent_at, finished_at, telegram_message_id, job_id)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) RETURNING id
            """, kind, key, chat, text, state, state == "sent" ? Math.Max(1, attempts) : attempts, lastError, orderId, mechanicId, bookingId, cabinetId,
            dueAt ?? createdAt, nextAttemptAt, createdAt, state == "sent" ? createdAt.AddSeconds(1) : null, final ? createdAt.AddSeconds(1) : null,
            state == "sent" ? 4242 : null, jobId);
        return (id, key);
    }

    private static Task AttemptAsync(NpgsqlConnection connection, string kind, int? orderId, int? mechanicId, string chat, string key, DateTimeOffset at,
        bool success, string? error) =>
        ExecuteAsync(connection, """
            INSERT INTO notification_logs (notification_type, order_id, mechanic_id, telegram_id, message_hash, sent_at, success, error_message)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            """, kind, orderId, mechanicId, chat, key, at.AddSeconds(1), success, error);

    private static Task<long> CabinetAsync(NpgsqlConnection connection, string state, string encryptedKey, DateTimeOffset keyExpires, DateTimeOffset created,
        DateTimeOffset? lastSync, string? lastError, DateTimeOffset? leaseUntil) =>
        ScalarAsync<long>(connection, """
            INSERT INTO wb_cabinets (api_key_encrypted, api_key_hash, token_type, key_expires_at, state, history_from, created_at, updated_at,
                                     last_sync_at, initial_sync_completed_at, sync_lease_until, last_sync_error)
            VALUES ($1, md5($1), 3, $2, $3, $4, $4, $4, $5, $5, $6, $7) RETURNING id
            """, encryptedKey, keyExpires, state, created, lastSync, leaseUntil, lastError);

    private static Task SyncLogAsync(NpgsqlConnection connection, long cabinet, string kind, string status, DateTimeOffset started, DateTimeOffset? finished, string? error) =>
        ExecuteAsync(connection, """
            INSERT INTO wb_sync_logs (cabinet_id, kind, status, started_at, finished_at, orders, sales, reviews, stocks, products, events, error)
            VALUES ($1, $2, $3, $4, $5, 12, 3, 1, 40, 8, 4, $6)
            """, cabinet, kind, status, started, finished, error);

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql, params object?[] values)
    {
        await using var command = Command(connection, sql, values);
        var result = await command.ExecuteScalarAsync();
        return result is null or DBNull ? default! : (T)Convert.ChangeType(result, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, params object?[] values)
    {
        await using var command = Command(connection, sql, values);
        await command.ExecuteNonQueryAsync();
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, string sql, object?[] values)
    {
        var command = new NpgsqlCommand(sql, connection);
        foreach (var value in values)
            command.Parameters.Add(value is null ? new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Unknown } : new NpgsqlParameter { Value = value });
        return command;
    }
}
