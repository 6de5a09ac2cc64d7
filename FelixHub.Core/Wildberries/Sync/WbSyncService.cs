using FelixHub.Core.Delivery;
using System.Globalization;
using FelixHub.Core.Common;
using FelixHub.Core.Wildberries.Api;
using FelixHub.Core.Wildberries.Data;
using FelixHub.Core.Wildberries.Notifications;
using Hangfire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace FelixHub.Core.Wildberries.Sync;

/// <summary>
/// Syncs one cabinet: claims it (a lease, so two syncs never overlap and an overrunning one is skipped,
/// not stacked), then content cards, orders, sales, reviews and stocks. Each page commits on its own
/// with its rows, its events (outbox rows) and its cursor, so a failure keeps what was committed and
/// the next run resumes there. The initial sync loads <c>InitialSyncDays</c> of history and notifies
/// nothing but the final "sync complete" message.
/// <para>Key categories: a step whose WB category the key lacks, or WB refused before, is left out.
/// WB refusing a category (401/403, "token scope not allowed") disables it for the cabinet
/// (<c>refused_categories</c>), tells the cabinet's users once and the other steps go on; only a refusal
/// of Statistics rejects the key: the cabinet stops syncing and its users are told at once.</para>
/// </summary>
public sealed partial class WbSyncService(
    NpgsqlDataSource dataSource,
    WbGateway gateway,
    IWbStatisticsApi statistics,
    IWbFeedbacksApi feedbacks,
    IWbAnalyticsApi analytics,
    IWbContentApi content,
    WbKeyProtector keys,
    IBackgroundJobClient jobs,
    IOptionsMonitor<WildberriesOptions> options,
    IOptionsMonitor<FelixHub.Core.Retention.RetentionOptions> retention,
    TimeProvider time,
    ILogger<WbSyncService> logger)
{
    private sealed class Run
    {
        public required long CabinetId { get; init; }
        public required Guid Owner { get; init; }
        /// <summary>The decrypted API key; only ever in memory, in the Authorization header.</summary>
        public string Token { get; set; } = "";
        public required int? TokenType { get; init; }
        /// <summary>What WB's rate limits count against (the seller account).</summary>
        public required string Account { get; init; }
        /// <summary>The categories this sync leaves out (bits as in <c>s</c>); grows when WB refuses one.</summary>
        public int Disabled { get; set; }
        public required bool Initial { get; init; }
        public required DateTimeOffset HistoryFrom { get; init; }
        /// <summary>
        /// The retention horizon (<c>Retention:WbDataDays</c>): a row dated before it raises no event, so a row
        /// the retention job deleted — its key gone with it — is stored again but never announced twice.
        /// </summary>
        public required DateTimeOffset KeptFrom { get; init; }
        public required WildberriesOptions Options { get; init; }
        public bool Notify => !Initial;
        public int Orders { get; set; }
        public int Sales { get; set; }
        public int Reviews { get; set; }
        public int Stocks { get; set; }
        public int Products { get; set; }
        public int Events { get; set; }
        public WbCallTarget Target(string endpoint) => new(CabinetId, Account, endpoint, WbEndpoint.IntervalFor(endpoint, TokenType, Options));
    }

    public async Task<WbSyncResult> SyncAsync(long cabinetId, CancellationToken ct)
    {
        using var scope = Correlation.Push("cabinetId", cabinetId);
        var o = options.CurrentValue;
        var owner = Guid.NewGuid();
        var c = await ClaimAsync(cabinetId, owner, o, ct);
        if (c is null)
        {
            LogSkipped(logger, cabinetId);
            return new WbSyncResult(WbSyncStatus.Skipped);
        }

        var run = new Run
        {
            CabinetId = cabinetId, Owner = owner, TokenType = c.TokenType, Account = c.Account,
            Initial = c.State == CabinetState.InitialSync, HistoryFrom = c.HistoryFrom, Options = o,
            Disabled = WbCategories.Disabled(c.KeyScopes, c.Refused),
            KeptFrom = time.GetUtcNow().AddDays(-retention.CurrentValue.WbDataDays),
        };
        var encryptedKey = c.Key;
        var logId = await StartLogAsync(cabinetId, run.Initial ? "initial" : "regular", ct);
        try
        {
            run.Token = keys.Unprotect(encryptedKey);
        }
        catch (System.Security.Cryptography.CryptographicException ex)
        {
            // The key ring lost the key that encrypted this API key: nothing to sync with until it is registered again.
            LogKeyUnreadable(logger, ex, cabinetId);
            await FinishAsync(run, logId, WbSyncStatus.Failed, "the stored API key cannot be decrypted (Data Protection key ring); register the key again", [], new KeyRejection(null), ct);
            return new WbSyncResult(WbSyncStatus.Failed, logId, 0, "the stored API key cannot be decrypted");
        }
        LogStarted(logger, cabinetId, run.Initial ? "initial" : "regular", logId);

        var errors = new List<string>();
        var deferred = new List<string>();
        KeyRejection? keyRejected = null;
        var refused = new List<WbCategory>();
        var steps = new (string Name, Func<Run, CancellationToken, Task> Step)[]
        {
            (WbEndpoint.Content, SyncContentAsync),
            (WbEndpoint.Orders, SyncOrdersAsync),
            (WbEndpoint.Sales, SyncSalesAsync),
            (WbEndpoint.Feedbacks, SyncReviewsAsync),
            (WbEndpoint.Stocks, SyncStocksAsync),
        };
        try
        {
            foreach (var (name, step) in steps)
            {
                var category = WbCategories.ForEndpoint(name);
                if ((run.Disabled & WbCategories.Bit(category)) != 0)
                {
                    LogCategorySkipped(logger, cabinetId, name, WbCategories.Code(category));
                    continue;
                }
                try
                {
                    await step(run, ct);
                }
                catch (WbDeferredException ex)
                {
                    deferred.Add(name);
                    LogDeferred(logger, cabinetId, name, ex.NextAllowedAt);
                }
                catch (WbUnauthorizedException ex) when (category != WbCategory.Statistics)
                {
                    // WB refuses this category to the key: the rest of the sync goes on without it. Whether
                    // it is the category or the whole key (revoked) shows on Statistics, so it is recorded
                    // after the other steps.
                    LogCategoryRefused(logger, cabinetId, name, WbCategories.Code(category), ex.Message);
                    refused.Add(category);
                }
                catch (WbUnauthorizedException ex)
                {
                    errors.Add($"{name}: {ex.Message}");
                    keyRejected = new KeyRejection(ex.StatusCode);
                    LogStepFailed(logger, ex, cabinetId, name, ex.Message);
                    break;
                }
                catch (WbLeaseLostException ex)
                {
                    errors.Add($"{name}: {ex.Message}");
                    LogStepFailed(logger, ex, cabinetId, name, ex.Message);
                    break;
                }
                catch (Exception ex) when (!ct.IsCancellationRequested && ex is not OutOfMemoryException)
                {
                    errors.Add($"{name}: {ex.Message}");
                    LogStepFailed(logger, ex, cabinetId, name, ex.Message);
                }
            }

            if (keyRejected is null)
                foreach (var category in refused) await RefuseCategoryAsync(run, category, ct);

            var completedInitial = false;
            if (run.Initial && errors.Count == 0 && deferred.Count == 0)
                completedInitial = await CompleteInitialSyncAsync(run, ct);

            var status = errors.Count > 0 ? WbSyncStatus.Failed : deferred.Count > 0 ? WbSyncStatus.Partial : WbSyncStatus.Succeeded;
            var error = errors.Count > 0 ? string.Join("; ", errors) : null;
            await FinishAsync(run, logId, status, error, deferred, keyRejected, ct);
            if (keyRejected is null) run.Events += await WarnKeyExpiryAsync(cabinetId, ct);
            if (run.Events > 0 || completedInitial) EnqueueDispatch();
            LogFinished(logger, cabinetId, status, run.Orders, run.Sales, run.Reviews, run.Stocks, run.Events);
            return new WbSyncResult(status, logId, run.Events, error);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await FinishAsync(run, logId, WbSyncStatus.Failed, "cancelled (worker shutting down)", deferred, null, CancellationToken.None);
            throw;
        }
    }

    // ---- claiming and bookkeeping -------------------------------------------------------------

    private sealed record Claimed(string State, string Key, int? TokenType, DateTimeOffset HistoryFrom, int? KeyScopes, int Refused, string Account);

    /// <summary>WB refused the key for Statistics (<see cref="Status"/> its 401/403), or it cannot be decrypted (null).</summary>
    private sealed record KeyRejection(int? Status);

    private async Task<Claimed?> ClaimAsync(long cabinetId, Guid owner, WildberriesOptions o, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await using var command = dataSource.CreateCommand($"""
            UPDATE wb_cabinets SET sync_lease_until = $3, sync_lease_owner = $2, sync_enqueued_at = NULL, last_sync_started_at = $4
            WHERE id = $1 AND state IN ('{CabinetState.InitialSync}', '{CabinetState.Active}')
              AND (sync_lease_until IS NULL OR sync_lease_until < $4)
            RETURNING state, api_key_encrypted, token_type, history_from, key_scopes, refused_categories,
                COALESCE(rate_limit_account, 'key:' || api_key_hash)
            """);
        command.Parameters.Add(SqlJson.Long(cabinetId));
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = owner });
        command.Parameters.Add(SqlJson.Time(now + TimeSpan.FromMinutes(o.SyncLeaseMinutes)));
        command.Parameters.Add(SqlJson.Time(now));
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        return new Claimed(reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetInt32(2), SqlJson.ReadTime(reader, 3),
            reader.IsDBNull(4) ? null : reader.GetInt32(4), reader.GetInt32(5), reader.GetString(6));
    }

    /// <summary>
    /// Disables a category WB refused, in one transaction with the message that tells the cabinet's users:
    /// only the sync that turns the bit on writes the message (its key names the moment), so they are
    /// told once, whichever replica runs the sync.
    /// </summary>
    private async Task RefuseCategoryAsync(Run run, WbCategory category, CancellationToken ct)
    {
        run.Disabled |= WbCategories.Bit(category);
        var now = time.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using (var command = new NpgsqlCommand("""
            UPDATE wb_cabinets SET refused_categories = refused_categories | $3, updated_at = $4
            WHERE id = $1 AND sync_lease_owner = $2 AND refused_categories & $3 = 0
            """, connection, tx))
        {
            command.Parameters.Add(SqlJson.Long(run.CabinetId));
            command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = run.Owner });
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = WbCategories.Bit(category) });
            command.Parameters.Add(SqlJson.Time(now));
            if (await command.ExecuteNonQueryAsync(ct) == 0) return;
        }
        var notice = new WbEvent(WbEventType.CategoryRefused,
            string.Create(CultureInfo.InvariantCulture, $"category_refused:{run.CabinetId}:{WbCategories.Code(category)}:{now.ToUnixTimeMilliseconds()}"),
            WbMessages.CategoryRefused(category), null);
        run.Events += await WbSyncStore.EnqueueAsync(connection, tx, run.CabinetId, [notice], now, ct);
        await tx.CommitAsync(ct);
    }

    private async Task<long> StartLogAsync(long cabinetId, string kind, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO wb_sync_logs (cabinet_id, kind, status, started_at, orders, sales, reviews, stocks, products, events)
            VALUES ($1, $2, 'running', $3, 0, 0, 0, 0, 0, 0) RETURNING id
            """);
        command.Parameters.Add(SqlJson.Long(cabinetId));
        command.Parameters.Add(SqlJson.Text(kind));
        command.Parameters.Add(SqlJson.Time(time.GetUtcNow()));
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>
    /// Closes the sync log and releases the cabinet; a rejected key also moves the cabinet to
    /// <c>key-rejected</c> and, in the same transaction, tells its users what to do.
    /// </summary>
    private async Task FinishAsync(Run run, long logId, WbSyncStatus status, string? error, List<string> deferred, KeyRejection? keyRejected, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var statusText = status switch { WbSyncStatus.Succeeded => "succeeded", WbSyncStatus.Partial => "partial", _ => "failed" };
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using var batch = new NpgsqlBatch(connection, tx);
        var log = new NpgsqlBatchCommand("""
            UPDATE wb_sync_logs SET status = $2, finished_at = $3, orders = $4, sales = $5, reviews = $6, stocks = $7, products = $8,
                events = $9, deferred = $10, error = $11
            WHERE id = $1
            """);
        log.Parameters.Add(SqlJson.Long(logId));
        log.Parameters.Add(SqlJson.Text(statusText));
        log.Parameters.Add(SqlJson.Time(now));
        foreach (var count in new[] { run.Orders, run.Sales, run.Reviews, run.Stocks, run.Products, run.Events })
            log.Parameters.Add(new NpgsqlParameter<int> { TypedValue = count });
        log.Parameters.Add(new NpgsqlParameter { Value = deferred.Count > 0 ? string.Join(",", deferred) : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        log.Parameters.Add(new NpgsqlParameter { Value = (object?)Cut(error, 4000) ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        batch.BatchCommands.Add(log);

        var cabinet = new NpgsqlBatchCommand($"""
            UPDATE wb_cabinets SET sync_lease_until = NULL, sync_lease_owner = NULL, updated_at = $3,
                last_sync_at = CASE WHEN $4 THEN $3 ELSE last_sync_at END,
                last_sync_error = $5,
                state = CASE WHEN $6 THEN '{CabinetState.KeyRejected}' ELSE state END
            WHERE id = $1 AND sync_lease_owner = $2
            """);
        cabinet.Parameters.Add(SqlJson.Long(run.CabinetId));
        cabinet.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = run.Owner });
        cabinet.Parameters.Add(SqlJson.Time(now));
        cabinet.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = status != WbSyncStatus.Failed });
        cabinet.Parameters.Add(new NpgsqlParameter { Value = (object?)Cut(error, 2000) ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        cabinet.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = keyRejected is not null });
        batch.BatchCommands.Add(cabinet);
        await batch.ExecuteNonQueryAsync(ct);

        // The claim only takes an initial-sync or active cabinet, so a cabinet this sync still held has just been rejected.
        var told = false;
        if (keyRejected is not null && cabinet.RecordsAffected == 1)
        {
            var notice = new WbEvent(WbEventType.KeyRejected,
                string.Create(CultureInfo.InvariantCulture, $"key_rejected:{run.CabinetId}:{now.ToUnixTimeMilliseconds()}"),
                WbMessages.KeyRejected(keyRejected.Status), null);
            told = await WbSyncStore.EnqueueAsync(connection, tx, run.CabinetId, [notice], now, ct) > 0;
        }
        await tx.CommitAsync(ct);
        if (told) EnqueueDispatch();
    }

    private async Task<bool> CompleteInitialSyncAsync(Run run, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using (var command = new NpgsqlCommand($"""
            UPDATE wb_cabinets SET state = '{CabinetState.Active}', initial_sync_completed_at = $2, updated_at = $2
            WHERE id = $1 AND state = '{CabinetState.InitialSync}'
            """, connection, tx))
        {
            command.Parameters.Add(SqlJson.Long(run.CabinetId));
            command.Parameters.Add(SqlJson.Time(now));
            if (await command.ExecuteNonQueryAsync(ct) == 0) return false;
        }

        int[] counts;
        await using (var command = new NpgsqlCommand("""
            SELECT (SELECT count(*) FROM wb_orders WHERE cabinet_id = $1)::int, (SELECT count(*) FROM wb_sales WHERE cabinet_id = $1)::int,
                   (SELECT count(*) FROM wb_reviews WHERE cabinet_id = $1)::int, (SELECT count(*) FROM wb_products WHERE cabinet_id = $1)::int
            """, connection, tx))
        {
            command.Parameters.Add(SqlJson.Long(run.CabinetId));
            await using var reader = await command.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            counts = [reader.GetInt32(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetInt32(3)];
        }

        await WbSyncStore.EnqueueAsync(connection, tx, run.CabinetId, [SyncCompleteEvent(run.CabinetId, counts[0], counts[1], counts[2], counts[3], run.Disabled)], now, ct);
        await tx.CommitAsync(ct);
        LogInitialCompleted(logger, run.CabinetId);
        return true;
    }

    /// <summary>With every sync: the warning of the key's expiry stage, if its users have not had it (<see cref="WbKeyExpiry"/>).</summary>
    private async Task<int> WarnKeyExpiryAsync(long cabinetId, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await WbKeyExpiry.WarnAsync(connection, null, cabinetId, time.GetUtcNow(), ct);
    }

    /// <summary>The one message of the initial sync; its key makes it once per user and cabinet.</summary>
    public static WbEvent SyncCompleteEvent(long cabinetId, int orders, int sales, int reviews, int products, int disabledCategories = 0) =>
        new(WbEventType.SyncComplete, string.Create(CultureInfo.InvariantCulture, $"sync_complete:{cabinetId}"),
            WbMessages.SyncComplete(orders, sales, reviews, products, disabledCategories), null);

    private void EnqueueDispatch()
    {
        try
        {
            jobs.Enqueue<DeliveryDispatchJob>(j => j.ExecuteAsync(CancellationToken.None));
        }
        catch (Exception ex)
        {
            // The recurring dispatch picks the rows up within a minute anyway.
            LogDispatchEnqueueFailed(logger, ex);
        }
    }

    /// <summary>Commits one page: the caller's writes, then the lease renewal (a lost lease rolls the page back).</summary>
    private async Task CommitPageAsync(Run run, Func<NpgsqlConnection, NpgsqlTransaction, DateTimeOffset, Task> write, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await write(connection, tx, now);
        if (!await WbSyncStore.RenewLeaseAsync(connection, tx, run.CabinetId, run.Owner, now + TimeSpan.FromMinutes(run.Options.SyncLeaseMinutes), ct))
            throw new WbLeaseLostException(run.CabinetId);
        await tx.CommitAsync(ct);
    }

    private async Task<string?> CursorAsync(long cabinetId, string endpoint, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await WbSyncStore.GetCursorAsync(connection, cabinetId, endpoint, ct);
    }

    // ---- steps ------------------------------------------------------------------------------------

    private async Task SyncContentAsync(Run run, CancellationToken ct)
    {
        if (!run.Initial)
        {
            DateTimeOffset? last;
            await using (var connection = await dataSource.OpenConnectionAsync(ct))
                last = await WbSyncStore.GetCursorTimeAsync(connection, run.CabinetId, WbEndpoint.Content, ct);
            if (last is not null && time.GetUtcNow() - last < TimeSpan.FromMinutes(run.Options.ContentRefreshMinutes)) return;
        }

        var limit = run.Options.ContentPageSize;
        string? updatedAt = null;
        long? nmId = null;
        while (true)
        {
            var request = WbCardsRequest.Page(limit, updatedAt, nmId);
            var page = await gateway.CallAsync(run.Target(WbEndpoint.Content), t => content.GetCardsAsync(run.Token, request, t), ct);
            var done = page.Cards.Count < limit || page.Cursor is null || (page.Cursor.UpdatedAt == updatedAt && page.Cursor.NmId == nmId);
            await CommitPageAsync(run, async (connection, tx, now) =>
            {
                await WbSyncStore.UpsertCardsAsync(connection, tx, run.CabinetId, page.Cards, now, ct);
                if (done) await WbSyncStore.SetCursorAsync(connection, tx, run.CabinetId, WbEndpoint.Content, now.ToString("O", CultureInfo.InvariantCulture), now, ct);
            }, ct);
            run.Products += page.Cards.Count;
            if (done) break;
            updatedAt = page.Cursor!.UpdatedAt;
            nmId = page.Cursor.NmId;
        }
    }

    private Task SyncOrdersAsync(Run run, CancellationToken ct) =>
        SyncStatisticsAsync<WbOrderRow>(run, WbEndpoint.Orders, (dateFrom, t) => statistics.StreamOrdersAsync(run.Token, dateFrom, 0, t), r => r.LastChangeDate,
            async (connection, tx, rows, now, token) =>
            {
                await WbSyncStore.UpsertProductHintsAsync(connection, tx, run.CabinetId,
                    rows.Select(r => new WbSyncStore.ProductHint(r.NmId, null, r.SupplierArticle, r.Brand, r.Subject)), now, token);
                var changes = await WbSyncStore.UpsertOrdersAsync(connection, tx, run.CabinetId, rows, now, run.Notify, token);
                if (run.Notify && changes.Count > 0)
                {
                    var products = await WbSyncStore.ProductsAsync(connection, tx, run.CabinetId, rows.Select(r => r.NmId), token);
                    var events = WbEventDetector.FromOrders(changes, rows, products, run.HistoryFrom, run.KeptFrom);
                    run.Events += await WbSyncStore.EnqueueAsync(connection, tx, run.CabinetId, events, now, token);
                }
                run.Orders += changes.Count;
            }, ct);

    private Task SyncSalesAsync(Run run, CancellationToken ct) =>
        SyncStatisticsAsync<WbSaleRow>(run, WbEndpoint.Sales, (dateFrom, t) => statistics.StreamSalesAsync(run.Token, dateFrom, 0, t), r => r.LastChangeDate,
            async (connection, tx, rows, now, token) =>
            {
                await WbSyncStore.UpsertProductHintsAsync(connection, tx, run.CabinetId,
                    rows.Select(r => new WbSyncStore.ProductHint(r.NmId, null, r.SupplierArticle, r.Brand, r.Subject)), now, token);
                var changes = await WbSyncStore.UpsertSalesAsync(connection, tx, run.CabinetId, rows, now, token);
                if (run.Notify && changes.Count > 0)
                {
                    var products = await WbSyncStore.ProductsAsync(connection, tx, run.CabinetId, rows.Select(r => r.NmId), token);
                    var events = WbEventDetector.FromSales(changes, rows, products, run.HistoryFrom, run.KeptFrom);
                    run.Events += await WbSyncStore.EnqueueAsync(connection, tx, run.CabinetId, events, now, token);
                }
                run.Sales += changes.Count;
            }, ct);

    /// <summary>
    /// Pages a statistics endpoint from its cursor: each page (rows with lastChangeDate ≥ dateFrom, up to
    /// ~80,000) is read as it arrives and written in batches of <c>StatisticsWriteBatchSize</c> rows, each
    /// batch in its own transaction with the events it caused; the cursor (the page's latest lastChangeDate,
    /// as WB wrote it) commits with the page's last batch. A page that breaks off is read again from the
    /// unchanged cursor: its committed rows come back unchanged, so they change nothing and notify nothing.
    /// </summary>
    private async Task SyncStatisticsAsync<TRow>(Run run, string endpoint, Func<string, CancellationToken, Task<Stream>> open, Func<TRow, WbDate> lastChange,
        Func<NpgsqlConnection, NpgsqlTransaction, List<TRow>, DateTimeOffset, CancellationToken, Task> write, CancellationToken ct)
        where TRow : class
    {
        var cursor = await CursorAsync(run.CabinetId, endpoint, ct) ?? WbDate.ToMoscowText(run.HistoryFrom);
        var batchSize = run.Options.StatisticsWriteBatchSize;
        while (true)
        {
            var dateFrom = cursor;
            var (count, next) = await gateway.CallAsync(run.Target(endpoint), async t =>
            {
                await using var body = await open(dateFrom, t);
                var batch = new List<TRow>(Math.Min(batchSize, 16_384));
                var rows = 0;
                string? latest = null;
                var latestUtc = DateTimeOffset.MinValue;
                await foreach (var row in WbJson.ReadRowsAsync<TRow>(body, t))
                {
                    rows++;
                    var changed = lastChange(row);
                    var utc = changed.Utc ?? DateTimeOffset.MinValue;
                    if (latest is null || utc > latestUtc) (latest, latestUtc) = (changed.Raw, utc);
                    batch.Add(row);
                    if (batch.Count < batchSize) continue;
                    await CommitPageAsync(run, (connection, tx, now) => write(connection, tx, batch, now, t), t);
                    batch.Clear();
                }
                if (latest is not null)
                {
                    await CommitPageAsync(run, async (connection, tx, now) =>
                    {
                        if (batch.Count > 0) await write(connection, tx, batch, now, t);
                        await WbSyncStore.SetCursorAsync(connection, tx, run.CabinetId, endpoint, latest, now, t);
                    }, t);
                }
                return (rows, latest);
            }, ct);

            if (count == 0 || next is null) break;
            if (count < run.Options.StatisticsPageSize) break;
            if (next == cursor)
            {
                LogNoProgress(logger, run.CabinetId, endpoint, cursor);
                break;
            }
            cursor = next;
        }
    }

    private async Task SyncReviewsAsync(Run run, CancellationToken ct)
    {
        foreach (var answered in new[] { false, true })
        {
            var cursorName = answered ? WbEndpoint.FeedbacksAnswered : WbEndpoint.FeedbacksUnanswered;
            var stored = await CursorAsync(run.CabinetId, cursorName, ct);
            var from = stored is not null ? long.Parse(stored, CultureInfo.InvariantCulture) : run.HistoryFrom.ToUnixTimeSeconds();
            var take = run.Options.FeedbacksPageSize;
            while (true)
            {
                var dateFrom = from;
                var envelope = await gateway.CallAsync(run.Target(WbEndpoint.Feedbacks),
                    t => feedbacks.GetFeedbacksAsync(run.Token, answered, take, 0, dateFrom, "dateAsc", t), ct);
                if (envelope.Error)
                    throw new WbApiException($"WB answered an error on feedbacks: {envelope.ErrorText}");
                var list = envelope.Data?.Feedbacks ?? [];
                if (list.Count == 0) break;
                var next = Math.Max(from, list.Max(f => f.CreatedDate.Utc?.ToUnixTimeSeconds() ?? from));

                await CommitPageAsync(run, async (connection, tx, now) =>
                {
                    await WbSyncStore.UpsertProductHintsAsync(connection, tx, run.CabinetId,
                        list.Where(f => f.ProductDetails is not null).Select(f => new WbSyncStore.ProductHint(
                            f.ProductDetails!.NmId, f.ProductDetails.ProductName, f.ProductDetails.SupplierArticle, f.ProductDetails.BrandName, null)), now, ct);
                    var inserted = await WbSyncStore.InsertReviewsAsync(connection, tx, run.CabinetId, list, now, ct);
                    run.Reviews += inserted.Count;
                    if (run.Notify && inserted.Count > 0)
                    {
                        var products = await WbSyncStore.ProductsAsync(connection, tx, run.CabinetId, list.Select(f => f.ProductDetails?.NmId ?? 0), ct);
                        var events = WbEventDetector.FromReviews(inserted, list, products, run.HistoryFrom, run.KeptFrom);
                        run.Events += await WbSyncStore.EnqueueAsync(connection, tx, run.CabinetId, events, now, ct);
                    }
                    await WbSyncStore.SetCursorAsync(connection, tx, run.CabinetId, cursorName, next.ToString(CultureInfo.InvariantCulture), now, ct);
                }, ct);

                if (list.Count < take) break;
                if (next == from)
                {
                    LogNoProgress(logger, run.CabinetId, cursorName, from.ToString(CultureInfo.InvariantCulture));
                    break;
                }
                from = next;
            }
        }
    }

    private async Task SyncStocksAsync(Run run, CancellationToken ct)
    {
        // The comparison needs the whole snapshot: load every page, then replace in one transaction.
        var items = new List<WbStockItem>();
        var limit = run.Options.StocksPageSize;
        for (var offset = 0; ; offset += limit)
        {
            var request = new WbStocksRequest(null, limit, offset);
            var page = await gateway.CallAsync(run.Target(WbEndpoint.Stocks), t => analytics.GetWarehouseStocksAsync(run.Token, request, t), ct);
            var pageItems = page.Data?.Items ?? [];
            items.AddRange(pageItems);
            if (pageItems.Count < limit) break;
        }

        var rows = items.Select(i => new WbSyncStore.StockRow(i.NmId, i.ChrtId, i.WarehouseName ?? "", i.Quantity, i.InWayToClient, i.InWayFromClient)).ToList();
        await CommitPageAsync(run, async (connection, tx, now) =>
        {
            var before = await WbSyncStore.StockTotalsAsync(connection, tx, run.CabinetId, ct);
            await WbSyncStore.ReplaceStocksAsync(connection, tx, run.CabinetId, rows, now, ct);
            if (run.Notify)
            {
                var falling = WbEventDetector.FallenToCritical(before, rows, run.Options.CriticalStockThreshold);
                if (falling.Count > 0)
                {
                    var products = await WbSyncStore.ProductsAsync(connection, tx, run.CabinetId, falling, ct);
                    var events = WbEventDetector.FromStocks(run.CabinetId, falling, rows, products, now);
                    run.Events += await WbSyncStore.EnqueueAsync(connection, tx, run.CabinetId, events, now, ct);
                }
            }
        }, ct);
        run.Stocks = rows.Count;
    }

    private static string? Cut(string? text, int max) => text is null || text.Length <= max ? text : text[..max];

    [LoggerMessage(Level = LogLevel.Information, Message = "WB sync of cabinet {CabinetId} skipped: another sync holds it, or it is not active")]
    private static partial void LogSkipped(ILogger logger, long cabinetId);

    [LoggerMessage(Level = LogLevel.Information, Message = "WB sync of cabinet {CabinetId} started ({Kind}, log {SyncLogId})")]
    private static partial void LogStarted(ILogger logger, long cabinetId, string kind, long syncLogId);

    [LoggerMessage(Level = LogLevel.Information, Message = "WB sync of cabinet {CabinetId} {Status}: {Orders} orders and {Sales} sales new or changed, {Reviews} new reviews, {Stocks} stock rows, {Events} notifications queued")]
    private static partial void LogFinished(ILogger logger, long cabinetId, WbSyncStatus status, int orders, int sales, int reviews, int stocks, int events);

    [LoggerMessage(Level = LogLevel.Information, Message = "WB sync of cabinet {CabinetId}: {Endpoint} left for a later sync (WB allows the next call at {NextAllowedAt:O})")]
    private static partial void LogDeferred(ILogger logger, long cabinetId, string endpoint, DateTimeOffset nextAllowedAt);

    [LoggerMessage(Level = LogLevel.Error, Message = "WB sync of cabinet {CabinetId}: {Endpoint} failed: {Reason}; what was committed stays, the next sync resumes")]
    private static partial void LogStepFailed(ILogger logger, Exception exception, long cabinetId, string endpoint, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "WB sync of cabinet {CabinetId}: {Endpoint} returned a full page that does not move past {Cursor}; stopping this endpoint for now")]
    private static partial void LogNoProgress(ILogger logger, long cabinetId, string endpoint, string cursor);

    [LoggerMessage(Level = LogLevel.Debug, Message = "WB sync of cabinet {CabinetId}: {Endpoint} left out, the key has no {Category} category")]
    private static partial void LogCategorySkipped(ILogger logger, long cabinetId, string endpoint, string category);

    [LoggerMessage(Level = LogLevel.Warning, Message = "WB sync of cabinet {CabinetId}: WB refused the key on {Endpoint} ({Reason}); the {Category} category is disabled for the cabinet, the rest goes on")]
    private static partial void LogCategoryRefused(ILogger logger, long cabinetId, string endpoint, string category, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Initial WB sync of cabinet {CabinetId} complete; its users are told the main menu is available")]
    private static partial void LogInitialCompleted(ILogger logger, long cabinetId);

    [LoggerMessage(Level = LogLevel.Error, Message = "WB sync of cabinet {CabinetId}: the stored API key cannot be decrypted; the cabinet waits for the key to be registered again")]
    private static partial void LogKeyUnreadable(ILogger logger, Exception exception, long cabinetId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not enqueue the WB notification dispatch; the recurring dispatch will send them")]
    private static partial void LogDispatchEnqueueFailed(ILogger logger, Exception exception);
}
