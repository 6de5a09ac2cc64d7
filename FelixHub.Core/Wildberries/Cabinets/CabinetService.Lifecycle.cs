using FelixHub.Core.Common;
using FelixHub.Core.Delivery;
using FelixHub.Core.Wildberries.Data;
using FelixHub.Core.Wildberries.Notifications;
using FelixHub.Core.Wildberries.Sync;
using Hangfire;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace FelixHub.Core.Wildberries.Cabinets;

/// <summary>The key lifecycle (issue 21 §2): replacing a cabinet's key without losing anything.</summary>
public sealed partial class CabinetService
{
    /// <summary><c>PUT /api/cabinets/{id}/key</c>: the body checked, then <see cref="ReplaceKeyAsync(long, string, CancellationToken)"/>; a key it refuses is a 400 naming <c>apiKey</c>.</summary>
    public async Task<RegisterCabinetResponse> ReplaceKeyAsync(long cabinetId, ReplaceKeyRequest request, CancellationToken ct)
    {
        var apiKey = request.ApiKey?.Trim();
        new Validator().Required(apiKey, "apiKey", WbApiKey.MaxLength).ThrowIfInvalid();
        var replaced = await ReplaceKeyAsync(cabinetId, apiKey!, ct);
        if (replaced.Refusal is { } refusal) throw RequestValidationException.For("apiKey", refusal.Reason);
        return new RegisterCabinetResponse(replaced.CabinetId, replaced.State, [.. replaced.MissingCategories.Select(KeyCategoryGap.Of)]);
    }

    /// <summary>
    /// The bot's «🔑 Сменить ключ»: replaces the key of the user's cabinet of the same seller account as the
    /// new key (or, when none is, their first cabinet, which refuses it as another seller's). Null when the
    /// user has no cabinet.
    /// </summary>
    public async Task<CabinetRegistration?> ReplaceKeyForUserAsync(long telegramId, string key, CancellationToken ct)
    {
        var apiKey = key.Trim();
        var account = WbApiKey.Inspect(apiKey, time.GetUtcNow(), out var info) is null ? info.RateLimitAccount(WbApiKey.Hash(apiKey)) : null;
        await using var command = dataSource.CreateCommand("""
            SELECT c.id FROM cabinet_users u JOIN wb_cabinets c ON c.id = u.cabinet_id
            WHERE u.telegram_id = $1
            ORDER BY (c.rate_limit_account IS NOT DISTINCT FROM $2) DESC, u.created_at, c.id
            LIMIT 1
            """);
        command.Parameters.Add(SqlJson.Long(telegramId));
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)account ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        if (await command.ExecuteScalarAsync(ct) is not long cabinetId) return null;
        return await ReplaceKeyAsync(cabinetId, apiKey, ct);
    }

    /// <summary>
    /// Replaces cabinet <paramref name="cabinetId"/>'s key and keeps everything else: the cabinet's id, its
    /// synced rows and cursors (so the next sync goes on where the last one stopped and announces nothing
    /// twice), <c>notification_history</c>, the ledger's dedup state and every user's settings. The new
    /// key is checked as at registration (shape, expiry, Statistics, WB's <c>/ping</c>) and must be of the
    /// same seller account (<c>sid</c>/<c>oid</c>) and no other cabinet's; refusals come back as
    /// <see cref="CabinetRegistration.Refusal"/> with nothing changed. The key's claims are applied with
    /// the refused categories turned back on, a <c>key-rejected</c> cabinet becomes active again (its sync
    /// queued), and the new key's expiry is checked for warnings. Throws <see cref="NotFoundException"/>
    /// for an unknown cabinet.
    /// </summary>
    public async Task<CabinetRegistration> ReplaceKeyAsync(long cabinetId, string key, CancellationToken ct)
    {
        var apiKey = key.Trim();
        var now = time.GetUtcNow();
        string currentHash, currentAccount;
        await using (var command = dataSource.CreateCommand(
            "SELECT api_key_hash, COALESCE(rate_limit_account, 'key:' || api_key_hash) FROM wb_cabinets WHERE id = $1"))
        {
            command.Parameters.Add(SqlJson.Long(cabinetId));
            await using var reader = await command.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct)) throw new NotFoundException("Cabinet", cabinetId);
            (currentHash, currentAccount) = (reader.GetString(0), reader.GetString(1));
        }

        if (CheckLocally(apiKey, now, out var info) is { } refusedLocally) return refusedLocally;
        var hash = WbApiKey.Hash(apiKey);
        var account = info.RateLimitAccount(hash);
        // A cabinet whose old key named no seller account cannot be compared: any key of a seller is taken.
        if (!currentAccount.StartsWith("key:", StringComparison.Ordinal) && account != currentAccount)
            return CabinetRegistration.Refused(KeyRefusal.OtherSeller,
                "The key belongs to another seller account than the cabinet's key (its 'sid'/'oid' claim differs): a cabinet's key can only be replaced " +
                "by a key of the same seller. To connect another seller's cabinet, register the key with POST /api/cabinets.");
        if (hash != currentHash && await KeyInUseAsync(hash, cabinetId, ct)) return InUse();
        if (await PingAsync(apiKey, ct) is { } rejected) return rejected;

        var encrypted = keys.Protect(apiKey);
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        string previous, state;
        await using (var lockRow = new NpgsqlCommand("SELECT state FROM wb_cabinets WHERE id = $1 FOR UPDATE", connection, tx))
        {
            lockRow.Parameters.Add(SqlJson.Long(cabinetId));
            previous = await lockRow.ExecuteScalarAsync(ct) as string ?? throw new NotFoundException("Cabinet", cabinetId);
        }
        await using (var update = new NpgsqlCommand($"""
            UPDATE wb_cabinets SET api_key_encrypted = $2, api_key_hash = $3, updated_at = $4, last_sync_error = NULL,
                state = CASE WHEN state = '{CabinetState.KeyRejected}'
                             THEN CASE WHEN initial_sync_completed_at IS NULL THEN '{CabinetState.InitialSync}' ELSE '{CabinetState.Active}' END
                             ELSE state END,
                sync_enqueued_at = CASE WHEN state = '{CabinetState.KeyRejected}' THEN $4 ELSE sync_enqueued_at END
            WHERE id = $1
            RETURNING state
            """, connection, tx))
        {
            update.Parameters.Add(SqlJson.Long(cabinetId));
            update.Parameters.Add(SqlJson.Text(encrypted));
            update.Parameters.Add(SqlJson.Text(hash));
            update.Parameters.Add(SqlJson.Time(now));
            try
            {
                state = (string)(await update.ExecuteScalarAsync(ct))!;
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                // Registered for another cabinet since the check above.
                return InUse();
            }
        }
        var disabled = await ApplyKeyClaimsAsync(connection, tx, cabinetId, info, hash, reenable: true, ct);
        var warned = await WbKeyExpiry.WarnAsync(connection, tx, cabinetId, now, ct);
        await tx.CommitAsync(ct);
        LogKeyReplaced(logger, cabinetId, previous, state);

        if (warned > 0) jobs.Enqueue<DeliveryDispatchJob>(j => j.ExecuteAsync(CancellationToken.None));
        if (previous == CabinetState.KeyRejected) jobs.Enqueue<WbCabinetSyncJob>(j => j.ExecuteAsync(cabinetId, CancellationToken.None));
        return new CabinetRegistration(cabinetId, state) { MissingCategories = info.MissingSyncCategories, DisabledCategories = disabled, ExpiresAt = info.ExpiresAt };

        static CabinetRegistration InUse() => CabinetRegistration.Refused(KeyRefusal.InUse,
            "The key is already registered for another cabinet; a key serves one cabinet. Create a new key for this cabinet.");
    }

    /// <summary>
    /// User <paramref name="telegramId"/> leaves cabinet <paramref name="cabinetId"/> at once (the bot asks
    /// for confirmation first; the API does not): they stop getting its notifications — their messages of
    /// the cabinet not yet sent are cancelled — and, when they were its last user, the cabinet goes with
    /// its key and all its WB data: synced rows, cursors, sync logs (cascading from <c>wb_cabinets</c>),
    /// <c>notification_history</c>, its messages not yet sent, and the rate-limit rows of its seller account
    /// when no other cabinet shares it. A user left with no cabinet loses their notification settings too.
    /// One transaction, the cabinet row locked, so two last users leaving at once delete it once; a sync
    /// running meanwhile loses its lease and commits nothing more. Throws <see cref="NotFoundException"/>
    /// for an unknown cabinet, or a user who is not one of its users.
    /// </summary>
    public async Task<CabinetLeft> LeaveAsync(long cabinetId, long telegramId, CancellationToken ct)
    {
        CheckTelegramId(telegramId);
        var now = time.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        string account;
        await using (var lockRow = new NpgsqlCommand(
            "SELECT COALESCE(rate_limit_account, 'key:' || api_key_hash) FROM wb_cabinets WHERE id = $1 FOR UPDATE", connection, tx))
        {
            lockRow.Parameters.Add(SqlJson.Long(cabinetId));
            account = await lockRow.ExecuteScalarAsync(ct) as string ?? throw new NotFoundException("Cabinet", cabinetId);
        }

        await using var batch = new NpgsqlBatch(connection, tx);
        var leave = new NpgsqlBatchCommand("DELETE FROM cabinet_users WHERE cabinet_id = $1 AND telegram_id = $2");
        leave.Parameters.Add(SqlJson.Long(cabinetId));
        leave.Parameters.Add(SqlJson.Long(telegramId));
        batch.BatchCommands.Add(leave);
        // The user's messages of this cabinet that have not gone out (one being sent right now waits for the lock and keeps its outcome).
        var cancel = new NpgsqlBatchCommand("""
            UPDATE delivery_messages SET state = 'cancelled', next_attempt_at = NULL, claim_token = NULL, finished_at = $3
            WHERE cabinet_id = $1 AND chat_id = $2 AND state IN ('pending', 'sending')
            """);
        cancel.Parameters.Add(SqlJson.Long(cabinetId));
        cancel.Parameters.Add(SqlJson.Text(telegramId.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        cancel.Parameters.Add(SqlJson.Time(now));
        batch.BatchCommands.Add(cancel);
        var remaining = new NpgsqlBatchCommand("SELECT count(*)::int FROM cabinet_users WHERE cabinet_id = $1");
        remaining.Parameters.Add(SqlJson.Long(cabinetId));
        batch.BatchCommands.Add(remaining);
        int left;
        await using (var reader = await batch.ExecuteReaderAsync(ct))
        {
            await reader.ReadAsync(ct);
            left = reader.GetInt32(0);
        }
        if (leave.RecordsAffected == 0) throw new NotFoundException("User of cabinet " + cabinetId.ToString(System.Globalization.CultureInfo.InvariantCulture), telegramId);

        var deleted = left == 0;
        if (deleted)
        {
            await using var purge = new NpgsqlBatch(connection, tx);
            var history = new NpgsqlBatchCommand("DELETE FROM notification_history WHERE cabinet_id = $1");
            history.Parameters.Add(SqlJson.Long(cabinetId));
            purge.BatchCommands.Add(history);
            var pending = new NpgsqlBatchCommand("""
                UPDATE delivery_messages SET state = 'cancelled', next_attempt_at = NULL, claim_token = NULL, finished_at = $2
                WHERE cabinet_id = $1 AND state IN ('pending', 'sending')
                """);
            pending.Parameters.Add(SqlJson.Long(cabinetId));
            pending.Parameters.Add(SqlJson.Time(now));
            purge.BatchCommands.Add(pending);
            var limits = new NpgsqlBatchCommand("""
                DELETE FROM wb_rate_limits WHERE account = $2
                  AND NOT EXISTS (SELECT 1 FROM wb_cabinets WHERE id <> $1 AND COALESCE(rate_limit_account, 'key:' || api_key_hash) = $2)
                """);
            limits.Parameters.Add(SqlJson.Long(cabinetId));
            limits.Parameters.Add(SqlJson.Text(account));
            purge.BatchCommands.Add(limits);
            // The key and every synced row, cursor and sync log (their foreign keys cascade).
            var cabinet = new NpgsqlBatchCommand("DELETE FROM wb_cabinets WHERE id = $1");
            cabinet.Parameters.Add(SqlJson.Long(cabinetId));
            purge.BatchCommands.Add(cabinet);
            await purge.ExecuteNonQueryAsync(ct);
        }

        // Their events waiting for a digest of this cabinet go too (a deleted cabinet's cascade).
        await using (var waiting = new NpgsqlCommand(
            "DELETE FROM wb_digest_items WHERE telegram_id = $1 AND cabinet_id = $2 AND digest_message_id IS NULL", connection, tx))
        {
            waiting.Parameters.Add(SqlJson.Long(telegramId));
            waiting.Parameters.Add(SqlJson.Long(cabinetId));
            await waiting.ExecuteNonQueryAsync(ct);
        }

        // A user with no cabinet left takes their switches with them.
        await using (var settings = new NpgsqlCommand(
            "DELETE FROM notification_settings s WHERE s.telegram_id = $1 AND NOT EXISTS (SELECT 1 FROM cabinet_users u WHERE u.telegram_id = $1)", connection, tx))
        {
            settings.Parameters.Add(SqlJson.Long(telegramId));
            await settings.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
        LogLeft(logger, telegramId, cabinetId, deleted);
        return new CabinetLeft(cabinetId, deleted);
    }

    /// <summary>The bot's «Да, отключить»: the user leaves every cabinet they are a user of. Returns what happened to each.</summary>
    public async Task<IReadOnlyList<CabinetLeft>> LeaveAllAsync(long telegramId, CancellationToken ct)
    {
        var ids = new List<long>();
        await using (var command = dataSource.CreateCommand("SELECT cabinet_id FROM cabinet_users WHERE telegram_id = $1 ORDER BY cabinet_id"))
        {
            command.Parameters.Add(SqlJson.Long(telegramId));
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) ids.Add(reader.GetInt64(0));
        }
        var left = new List<CabinetLeft>();
        foreach (var id in ids)
        {
            try
            {
                left.Add(await LeaveAsync(id, telegramId, ct));
            }
            catch (NotFoundException)
            {
                // Left (or deleted) meanwhile: nothing more to do for this one.
            }
        }
        return left;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "User {TelegramId} left cabinet {CabinetId}; the cabinet and its WB data deleted: {Deleted}")]
    private static partial void LogLeft(ILogger logger, long telegramId, long cabinetId, bool deleted);

    private async Task<bool> KeyInUseAsync(string hash, long cabinetId, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("SELECT EXISTS (SELECT 1 FROM wb_cabinets WHERE api_key_hash = $1 AND id <> $2)");
        command.Parameters.Add(SqlJson.Text(hash));
        command.Parameters.Add(SqlJson.Long(cabinetId));
        return await command.ExecuteScalarAsync(ct) is true;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Cabinet {CabinetId}'s WB key replaced (was {Previous}, now {State}); its history and settings kept")]
    private static partial void LogKeyReplaced(ILogger logger, long cabinetId, string previous, string state);
}
