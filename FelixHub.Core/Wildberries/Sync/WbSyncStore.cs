using FelixHub.Core.Delivery;
using FelixHub.Core.Wildberries.Api;
using FelixHub.Core.Wildberries.Notifications;
using Npgsql;

namespace FelixHub.Core.Wildberries.Sync;

/// <summary>
/// The writes of a sync, each inside the page's transaction, so that the rows, the events they caused,
/// the outbox rows and the cursor commit together. "New" and "changed" are decided by PostgreSQL in
/// the upsert itself: <c>xmax = 0</c> marks an inserted row; the <c>old</c> CTE reads the previous
/// value from the statement's snapshot (all parts of one statement see the same snapshot).
/// </summary>
internal static class WbSyncStore
{
    public sealed record OrderChange(string Srid, bool Inserted, bool? WasCancel, bool IsCancel);

    /// <summary>
    /// Upserts a batch of orders and returns the rows that are new or changed. The rows travel as one array
    /// per column (binary, no JSON text for PostgreSQL to parse) and are read back with <c>unnest</c>.
    /// <paramref name="withPrevious"/> reads each row's previous <c>is_cancel</c> (what cancellation events
    /// need); the initial sync, which notifies nothing, skips that join.
    /// </summary>
    public static async Task<List<OrderChange>> UpsertOrdersAsync(NpgsqlConnection connection, NpgsqlTransaction tx, long cabinetId, IReadOnlyList<WbOrderRow> rows, DateTimeOffset now, bool withPrevious, CancellationToken ct)
    {
        var previous = withPrevious
            ? "old AS (SELECT o.srid, o.is_cancel FROM wb_orders o JOIN incoming i ON i.srid = o.srid WHERE o.cabinet_id = $1),"
            : "old AS (SELECT NULL::text AS srid, NULL::boolean AS is_cancel WHERE false),";
        await using var command = new NpgsqlCommand($"""
            WITH incoming AS (
                SELECT DISTINCT ON (srid) *
                FROM unnest($3::int[], $4::text[], $5::text[], $6::timestamptz[], $7::timestamptz[], $8::bigint[], $9::text[], $10::text[],
                    $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[], $17::text[], $18::text[], $19::numeric[],
                    $20::int[], $21::numeric[], $22::numeric[], $23::numeric[], $24::boolean[], $25::timestamptz[]) AS t(
                    ord, srid, g_number, date, last_change_date, nm_id, supplier_article, barcode, tech_size, category, subject, brand,
                    warehouse_name, region_name, oblast_okrug_name, country_name, total_price, discount_percent, spp, finished_price,
                    price_with_disc, is_cancel, cancel_date)
                ORDER BY srid, last_change_date DESC, ord DESC
            ),
            {previous}
            up AS (
                INSERT INTO wb_orders AS o (cabinet_id, srid, g_number, date, last_change_date, nm_id, supplier_article, barcode,
                    tech_size, category, subject, brand, warehouse_name, region_name, oblast_okrug_name, country_name, total_price,
                    discount_percent, spp, finished_price, price_with_disc, is_cancel, cancel_date, created_at, updated_at)
                SELECT $1, srid, g_number, date, last_change_date, nm_id, supplier_article, barcode, tech_size, category, subject,
                    brand, warehouse_name, region_name, oblast_okrug_name, country_name, total_price, discount_percent, spp,
                    finished_price, price_with_disc, is_cancel, cancel_date, $2, $2
                FROM incoming
                ON CONFLICT (cabinet_id, srid) DO UPDATE SET
                    g_number = excluded.g_number, date = excluded.date, last_change_date = excluded.last_change_date,
                    nm_id = excluded.nm_id, supplier_article = excluded.supplier_article, barcode = excluded.barcode,
                    tech_size = excluded.tech_size, category = excluded.category, subject = excluded.subject, brand = excluded.brand,
                    warehouse_name = excluded.warehouse_name, region_name = excluded.region_name,
                    oblast_okrug_name = excluded.oblast_okrug_name, country_name = excluded.country_name,
                    total_price = excluded.total_price, discount_percent = excluded.discount_percent, spp = excluded.spp,
                    finished_price = excluded.finished_price, price_with_disc = excluded.price_with_disc,
                    is_cancel = excluded.is_cancel, cancel_date = excluded.cancel_date, updated_at = excluded.updated_at
                WHERE o.last_change_date < excluded.last_change_date
                   OR (o.last_change_date = excluded.last_change_date AND o.is_cancel <> excluded.is_cancel)
                RETURNING o.srid, (o.xmax = 0) AS inserted, o.is_cancel
            )
            SELECT up.srid, up.inserted, old.is_cancel, up.is_cancel FROM up LEFT JOIN old ON old.srid = up.srid
            """, connection, tx);
        var p = command.Parameters;
        p.Add(SqlJson.Long(cabinetId));
        p.Add(SqlJson.Time(now));
        p.Add(Column(rows, (r, i) => i));
        p.Add(Column(rows, (r, _) => r.Srid));
        p.Add(Column(rows, (r, _) => r.GNumber));
        p.Add(Column(rows, (r, _) => r.Date.Utc ?? now));
        p.Add(Column(rows, (r, _) => r.LastChangeDate.Utc ?? now));
        p.Add(Column(rows, (r, _) => r.NmId));
        p.Add(Column(rows, (r, _) => r.SupplierArticle));
        p.Add(Column(rows, (r, _) => r.Barcode));
        p.Add(Column(rows, (r, _) => r.TechSize));
        p.Add(Column(rows, (r, _) => r.Category));
        p.Add(Column(rows, (r, _) => r.Subject));
        p.Add(Column(rows, (r, _) => r.Brand));
        p.Add(Column(rows, (r, _) => r.WarehouseName));
        p.Add(Column(rows, (r, _) => r.RegionName));
        p.Add(Column(rows, (r, _) => r.OblastOkrugName));
        p.Add(Column(rows, (r, _) => r.CountryName));
        p.Add(Column(rows, (r, _) => r.TotalPrice));
        p.Add(Column(rows, (r, _) => r.DiscountPercent));
        p.Add(Column(rows, (r, _) => r.Spp));
        p.Add(Column(rows, (r, _) => r.FinishedPrice));
        p.Add(Column(rows, (r, _) => r.PriceWithDisc));
        p.Add(Column(rows, (r, _) => r.IsCancel));
        p.Add(Column(rows, (r, _) => r.CancelDate.Utc));
        var changes = new List<OrderChange>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            changes.Add(new OrderChange(reader.GetString(0), reader.GetBoolean(1), reader.IsDBNull(2) ? null : reader.GetBoolean(2), reader.GetBoolean(3)));
        return changes;
    }

    public sealed record SaleChange(string SaleId, bool Inserted);

    /// <summary>Upserts a batch of sales and returns the rows that are new or changed (arrays per column, as orders).</summary>
    public static async Task<List<SaleChange>> UpsertSalesAsync(NpgsqlConnection connection, NpgsqlTransaction tx, long cabinetId, IReadOnlyList<WbSaleRow> rows, DateTimeOffset now, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            WITH incoming AS (
                SELECT DISTINCT ON (sale_id) *
                FROM unnest($3::int[], $4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::timestamptz[], $9::bigint[], $10::text[],
                    $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[], $17::text[], $18::text[], $19::numeric[],
                    $20::numeric[], $21::numeric[], $22::numeric[]) AS t(
                    ord, sale_id, srid, g_number, date, last_change_date, nm_id, supplier_article, barcode, tech_size, subject, brand,
                    warehouse_name, region_name, oblast_okrug_name, country_name, total_price, price_with_disc, finished_price, for_pay)
                ORDER BY sale_id, last_change_date DESC, ord DESC
            )
            INSERT INTO wb_sales AS s (cabinet_id, sale_id, srid, g_number, date, last_change_date, nm_id, supplier_article, barcode,
                tech_size, subject, brand, warehouse_name, region_name, oblast_okrug_name, country_name, total_price, price_with_disc,
                finished_price, for_pay, kind, created_at, updated_at)
            SELECT $1, sale_id, srid, g_number, date, last_change_date, nm_id, supplier_article, barcode, tech_size, subject, brand,
                warehouse_name, region_name, oblast_okrug_name, country_name, total_price, price_with_disc, finished_price, for_pay,
                CASE WHEN sale_id LIKE 'S%' THEN 'buyout' WHEN sale_id LIKE 'R%' THEN 'return' ELSE 'other' END, $2, $2
            FROM incoming
            ON CONFLICT (cabinet_id, sale_id) DO UPDATE SET
                srid = excluded.srid, g_number = excluded.g_number, date = excluded.date, last_change_date = excluded.last_change_date,
                nm_id = excluded.nm_id, supplier_article = excluded.supplier_article, barcode = excluded.barcode,
                tech_size = excluded.tech_size, subject = excluded.subject, brand = excluded.brand,
                warehouse_name = excluded.warehouse_name, region_name = excluded.region_name,
                oblast_okrug_name = excluded.oblast_okrug_name, country_name = excluded.country_name,
                total_price = excluded.total_price, price_with_disc = excluded.price_with_disc,
                finished_price = excluded.finished_price, for_pay = excluded.for_pay, updated_at = excluded.updated_at
            WHERE s.last_change_date < excluded.last_change_date OR s.for_pay <> excluded.for_pay
            RETURNING s.sale_id, (s.xmax = 0) AS inserted
            """, connection, tx);
        var p = command.Parameters;
        p.Add(SqlJson.Long(cabinetId));
        p.Add(SqlJson.Time(now));
        p.Add(Column(rows, (r, i) => i));
        p.Add(Column(rows, (r, _) => r.SaleId));
        p.Add(Column(rows, (r, _) => r.Srid));
        p.Add(Column(rows, (r, _) => r.GNumber));
        p.Add(Column(rows, (r, _) => r.Date.Utc ?? now));
        p.Add(Column(rows, (r, _) => r.LastChangeDate.Utc ?? now));
        p.Add(Column(rows, (r, _) => r.NmId));
        p.Add(Column(rows, (r, _) => r.SupplierArticle));
        p.Add(Column(rows, (r, _) => r.Barcode));
        p.Add(Column(rows, (r, _) => r.TechSize));
        p.Add(Column(rows, (r, _) => r.Subject));
        p.Add(Column(rows, (r, _) => r.Brand));
        p.Add(Column(rows, (r, _) => r.WarehouseName));
        p.Add(Column(rows, (r, _) => r.RegionName));
        p.Add(Column(rows, (r, _) => r.OblastOkrugName));
        p.Add(Column(rows, (r, _) => r.CountryName));
        p.Add(Column(rows, (r, _) => r.TotalPrice));
        p.Add(Column(rows, (r, _) => r.PriceWithDisc));
        p.Add(Column(rows, (r, _) => r.FinishedPrice));
        p.Add(Column(rows, (r, _) => r.ForPay));
        var changes = new List<SaleChange>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) changes.Add(new SaleChange(reader.GetString(0), reader.GetBoolean(1)));
        return changes;
    }

    /// <summary>One column of a batch as an array parameter (Npgsql sends it in binary; <c>unnest</c> reads it back).</summary>
    private static NpgsqlParameter<T[]> Column<TRow, T>(IReadOnlyList<TRow> rows, Func<TRow, int, T> pick)
    {
        var values = new T[rows.Count];
        for (var i = 0; i < values.Length; i++) values[i] = pick(rows[i], i);
        return new NpgsqlParameter<T[]> { TypedValue = values };
    }

    /// <summary>Inserts the reviews not seen before and returns their ids; a re-read review changes nothing.</summary>
    public static async Task<HashSet<string>> InsertReviewsAsync(NpgsqlConnection connection, NpgsqlTransaction tx, long cabinetId, IReadOnlyList<WbFeedback> rows, DateTimeOffset now, CancellationToken ct)
    {
        var json = rows.Select(r => new
        {
            review_id = r.Id, nm_id = r.ProductDetails?.NmId ?? 0, product_name = r.ProductDetails?.ProductName,
            supplier_article = r.ProductDetails?.SupplierArticle, brand = r.ProductDetails?.BrandName, valuation = r.ProductValuation,
            text = r.Text, created_date = r.CreatedDate.Utc ?? now,
        });
        await using var command = new NpgsqlCommand("""
            INSERT INTO wb_reviews (cabinet_id, review_id, nm_id, product_name, supplier_article, brand, valuation, text, created_date, created_at)
            SELECT DISTINCT ON (review_id) $1, review_id, nm_id, product_name, supplier_article, brand, valuation, text, created_date, $3
            FROM jsonb_to_recordset($2) AS t(review_id text, nm_id bigint, product_name text, supplier_article text, brand text,
                valuation int, text text, created_date timestamptz)
            ORDER BY review_id
            ON CONFLICT (cabinet_id, review_id) DO NOTHING
            RETURNING review_id
            """, connection, tx);
        command.Parameters.Add(SqlJson.Long(cabinetId));
        command.Parameters.Add(SqlJson.Parameter(json));
        command.Parameters.Add(SqlJson.Time(now));
        var inserted = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) inserted.Add(reader.GetString(0));
        return inserted;
    }

    public sealed record ProductHint(long NmId, string? Name, string? Article, string? Brand, string? Subject);

    /// <summary>Fills what orders, sales and reviews tell about products, never overwriting what is known (a card's title wins).</summary>
    public static async Task UpsertProductHintsAsync(NpgsqlConnection connection, NpgsqlTransaction tx, long cabinetId, IEnumerable<ProductHint> hints, DateTimeOffset now, CancellationToken ct)
    {
        // One hint per product (a batch of orders names the same few hundred products again and again),
        // preferring one that carries a name, as the statement's DISTINCT ON did.
        var distinct = new Dictionary<long, ProductHint>();
        foreach (var h in hints)
        {
            if (h.NmId == 0) continue;
            if (!distinct.TryGetValue(h.NmId, out var seen) || (Blank(seen.Name) is null && Blank(h.Name) is not null)) distinct[h.NmId] = h;
        }
        var json = distinct.Values
            .Select(h => new { nm_id = h.NmId, name = Blank(h.Name), article = Blank(h.Article), brand = Blank(h.Brand), subject = Blank(h.Subject) })
            .ToList();
        if (json.Count == 0) return;
        await using var command = new NpgsqlCommand("""
            INSERT INTO wb_products AS p (cabinet_id, nm_id, name, article, brand, subject, updated_at)
            SELECT DISTINCT ON (nm_id) $1, nm_id, name, article, brand, subject, $3
            FROM jsonb_to_recordset($2) AS t(nm_id bigint, name text, article text, brand text, subject text)
            ORDER BY nm_id, name NULLS LAST
            ON CONFLICT (cabinet_id, nm_id) DO UPDATE SET
                name = COALESCE(p.name, excluded.name), article = COALESCE(p.article, excluded.article),
                brand = COALESCE(p.brand, excluded.brand), subject = COALESCE(p.subject, excluded.subject),
                updated_at = excluded.updated_at
            WHERE (p.name IS NULL AND excluded.name IS NOT NULL) OR (p.article IS NULL AND excluded.article IS NOT NULL)
               OR (p.brand IS NULL AND excluded.brand IS NOT NULL) OR (p.subject IS NULL AND excluded.subject IS NOT NULL)
            """, connection, tx);
        command.Parameters.Add(SqlJson.Long(cabinetId));
        command.Parameters.Add(SqlJson.Parameter(json));
        command.Parameters.Add(SqlJson.Time(now));
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Cards are the authority on a product's name, article and photo.</summary>
    public static async Task<int> UpsertCardsAsync(NpgsqlConnection connection, NpgsqlTransaction tx, long cabinetId, IReadOnlyList<WbCard> cards, DateTimeOffset now, CancellationToken ct)
    {
        var json = cards.Where(c => c.NmId != 0).Select(c => new
        {
            nm_id = c.NmId, name = Blank(c.Title), article = Blank(c.VendorCode), brand = Blank(c.Brand), subject = Blank(c.SubjectName),
            image_url = Blank(c.Photos.Select(p => p.Big).FirstOrDefault(u => !string.IsNullOrWhiteSpace(u))),
        }).ToList();
        if (json.Count == 0) return 0;
        await using var command = new NpgsqlCommand("""
            INSERT INTO wb_products AS p (cabinet_id, nm_id, name, article, brand, subject, image_url, updated_at)
            SELECT DISTINCT ON (nm_id) $1, nm_id, name, article, brand, subject, image_url, $3
            FROM jsonb_to_recordset($2) AS t(nm_id bigint, name text, article text, brand text, subject text, image_url text)
            ORDER BY nm_id
            ON CONFLICT (cabinet_id, nm_id) DO UPDATE SET
                name = COALESCE(excluded.name, p.name), article = COALESCE(excluded.article, p.article),
                brand = COALESCE(excluded.brand, p.brand), subject = COALESCE(excluded.subject, p.subject),
                image_url = COALESCE(excluded.image_url, p.image_url), updated_at = excluded.updated_at
            """, connection, tx);
        command.Parameters.Add(SqlJson.Long(cabinetId));
        command.Parameters.Add(SqlJson.Parameter(json));
        command.Parameters.Add(SqlJson.Time(now));
        return await command.ExecuteNonQueryAsync(ct);
    }

    public static async Task<Dictionary<long, WbProductInfo>> ProductsAsync(NpgsqlConnection connection, NpgsqlTransaction tx, long cabinetId, IEnumerable<long> nmIds, CancellationToken ct)
    {
        var ids = nmIds.Distinct().ToArray();
        var products = ids.ToDictionary(id => id, id => new WbProductInfo(id, null, null, null, null, null));
        if (ids.Length == 0) return products;
        await using var command = new NpgsqlCommand(
            "SELECT nm_id, name, article, brand, subject, image_url FROM wb_products WHERE cabinet_id = $1 AND nm_id = ANY($2)", connection, tx);
        command.Parameters.Add(SqlJson.Long(cabinetId));
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = ids });
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var id = reader.GetInt64(0);
            products[id] = new WbProductInfo(id, Str(reader, 1), Str(reader, 2), Str(reader, 3), Str(reader, 4), Str(reader, 5));
        }
        return products;
    }

    public sealed record StockRow(long NmId, long ChrtId, string WarehouseName, int Quantity, int InWayToClient, int InWayFromClient);

    /// <summary>Per product, the total on shelves (in transit excluded) and per warehouse, before the snapshot is replaced.</summary>
    public static async Task<Dictionary<long, int>> StockTotalsAsync(NpgsqlConnection connection, NpgsqlTransaction tx, long cabinetId, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            "SELECT nm_id, COALESCE(sum(quantity), 0)::int FROM wb_stocks WHERE cabinet_id = $1 GROUP BY nm_id", connection, tx);
        command.Parameters.Add(SqlJson.Long(cabinetId));
        var totals = new Dictionary<long, int>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) totals[reader.GetInt64(0)] = reader.GetInt32(1);
        return totals;
    }

    /// <summary>Replaces the cabinet's stock snapshot with a complete new one.</summary>
    public static async Task ReplaceStocksAsync(NpgsqlConnection connection, NpgsqlTransaction tx, long cabinetId, IReadOnlyList<StockRow> rows, DateTimeOffset now, CancellationToken ct)
    {
        await using (var delete = new NpgsqlCommand("DELETE FROM wb_stocks WHERE cabinet_id = $1", connection, tx))
        {
            delete.Parameters.Add(SqlJson.Long(cabinetId));
            await delete.ExecuteNonQueryAsync(ct);
        }
        if (rows.Count == 0) return;
        var json = rows.Select(r => new
        {
            nm_id = r.NmId, chrt_id = r.ChrtId, warehouse_name = r.WarehouseName, quantity = r.Quantity,
            in_way_to_client = r.InWayToClient, in_way_from_client = r.InWayFromClient,
        });
        await using var insert = new NpgsqlCommand("""
            INSERT INTO wb_stocks (cabinet_id, nm_id, chrt_id, warehouse_name, quantity, in_way_to_client, in_way_from_client, updated_at)
            SELECT $1, nm_id, chrt_id, warehouse_name, sum(quantity), sum(in_way_to_client), sum(in_way_from_client), $3
            FROM jsonb_to_recordset($2) AS t(nm_id bigint, chrt_id bigint, warehouse_name text, quantity int, in_way_to_client int, in_way_from_client int)
            GROUP BY nm_id, chrt_id, warehouse_name
            """, connection, tx);
        insert.Parameters.Add(SqlJson.Long(cabinetId));
        insert.Parameters.Add(SqlJson.Parameter(json));
        insert.Parameters.Add(SqlJson.Time(now));
        await insert.ExecuteNonQueryAsync(ct);
    }

    public static async Task<string?> GetCursorAsync(NpgsqlConnection connection, long cabinetId, string endpoint, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("SELECT cursor FROM wb_sync_cursors WHERE cabinet_id = $1 AND endpoint = $2", connection);
        command.Parameters.Add(SqlJson.Long(cabinetId));
        command.Parameters.Add(SqlJson.Text(endpoint));
        return await command.ExecuteScalarAsync(ct) as string;
    }

    public static async Task<DateTimeOffset?> GetCursorTimeAsync(NpgsqlConnection connection, long cabinetId, string endpoint, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("SELECT updated_at FROM wb_sync_cursors WHERE cabinet_id = $1 AND endpoint = $2", connection);
        command.Parameters.Add(SqlJson.Long(cabinetId));
        command.Parameters.Add(SqlJson.Text(endpoint));
        return await command.ExecuteScalarAsync(ct) is DateTime value ? new DateTimeOffset(DateTime.SpecifyKind(value, DateTimeKind.Utc)) : null;
    }

    public static async Task SetCursorAsync(NpgsqlConnection connection, NpgsqlTransaction tx, long cabinetId, string endpoint, string cursor, DateTimeOffset now, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            INSERT INTO wb_sync_cursors (cabinet_id, endpoint, cursor, updated_at) VALUES ($1, $2, $3, $4)
            ON CONFLICT (cabinet_id, endpoint) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at
            """, connection, tx);
        command.Parameters.Add(SqlJson.Long(cabinetId));
        command.Parameters.Add(SqlJson.Text(endpoint));
        command.Parameters.Add(SqlJson.Text(cursor));
        command.Parameters.Add(SqlJson.Time(now));
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Keeps the cabinet's lease while the sync makes progress; false when another sync has taken it over.</summary>
    public static async Task<bool> RenewLeaseAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, long cabinetId, Guid owner, DateTimeOffset until, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            "UPDATE wb_cabinets SET sync_lease_until = $3 WHERE id = $1 AND sync_lease_owner = $2", connection, tx);
        command.Parameters.Add(SqlJson.Long(cabinetId));
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = owner });
        command.Parameters.Add(SqlJson.Time(until));
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    /// <summary>
    /// One message of the delivery ledger per event and user of the cabinet whose settings allow the type
    /// (or only <paramref name="onlyTelegramId"/>), written in the caller's transaction for the dispatcher's
    /// bulk path; the dedup key (user and event) drops what was already queued, and the due-time wakers are
    /// notified in the same transaction. An event of a kind the user gets in digests is not sent alone: it
    /// is recorded for the digest of its period (<c>wb_digest_items</c>, unique per user and event) in the
    /// same transaction. Returns how many messages and digest items were written.
    /// </summary>
    public static async Task<int> EnqueueAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, long cabinetId, IReadOnlyList<WbEvent> events, DateTimeOffset now, CancellationToken ct, long? onlyTelegramId = null)
    {
        if (events.Count == 0) return 0;
        var json = events.Select((e, i) => new { idx = i, event_type = e.Type });
        var recipients = new List<(long TelegramId, int Event, string Mode, TimeOnly DailyAt, string? TimeZone)>();
        await using (var command = new NpgsqlCommand($"""
            SELECT u.telegram_id, e.idx, coalesce({WbEventType.ModeSql("e.event_type")}, '{WbDigestModes.Immediate}'),
                   coalesce(s.digest_time, '09:00'::time), rp.time_zone
            FROM jsonb_to_recordset($2) AS e(idx int, event_type text)
            JOIN cabinet_users u ON u.cabinet_id = $1
            LEFT JOIN notification_settings s ON s.telegram_id = u.telegram_id
            LEFT JOIN recipient_preferences rp ON rp.chat_id = u.telegram_id::text
            WHERE ($3::bigint IS NULL OR u.telegram_id = $3) AND {WbEventType.AllowedSql("e.event_type")}
            ORDER BY e.idx, u.telegram_id
            """, connection, tx))
        {
            command.Parameters.Add(SqlJson.Long(cabinetId));
            command.Parameters.Add(SqlJson.Parameter(json));
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)onlyTelegramId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                recipients.Add((reader.GetInt64(0), reader.GetInt32(1), reader.GetString(2), reader.GetFieldValue<TimeOnly>(3), Str(reader, 4)));
        }
        var digested = recipients.Where(r => r.Mode != WbDigestModes.Immediate && events[r.Event].Fact is not null).ToList();
        var messages = recipients.Except(digested).Select(r => WbDeliveryHooks.Message(cabinetId, r.TelegramId, events[r.Event])).ToList();
        var written = (await DeliveryLedger.InsertAsync(connection, tx, messages, now, ct)).Count;
        // Every replica's due-time waker runs a dispatch pass once this commits (nothing if it rolls back).
        if (written > 0) await DeliveryWaker.NotifyAsync(connection, tx, now, ct);
        if (digested.Count > 0)
            written += await WbDigests.RecordAsync(connection, tx, cabinetId,
                [.. digested.Select(r => (r.TelegramId, events[r.Event], WbDigestModes.Period(r.Mode, r.DailyAt, WbDigestModes.Zone(r.TimeZone), now)))], now, ct);
        return written;
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static string? Str(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}
