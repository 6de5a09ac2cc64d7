using System.Globalization;
using FelixHub.Core.Delivery;
using FelixHub.Core.Wildberries.Sync;
using Npgsql;
using NpgsqlTypes;

namespace FelixHub.Core.Wildberries.Notifications;

/// <summary>
/// The digests' storage (<c>wb_digest_items</c>) and how a digest is built. An event of a kind a user gets
/// in digests is recorded, in the sync page's transaction, with the end of its period (<c>due_at</c>).
/// A digest is built per user and cabinet in ONE transaction: a per-user advisory lock (two replicas never
/// build the same user's digest at once), the waiting due items locked and read, the digest written as a
/// delivery-ledger message (kind <see cref="WbEventType.Digest"/>, unique dedup key of user, cabinet and its
/// first item), and exactly those items marked with that message's id. Events recorded meanwhile belong to
/// a later period or, committed after the read, wait for the next build; a crash before the commit leaves
/// every item waiting; a committed item is never read again. So each event is counted in exactly one digest.
/// </summary>
public static class WbDigests
{
    /// <summary>Records digest items (one per user and event; a second record of the same is dropped). Returns how many were written.</summary>
    public static async Task<int> RecordAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, long cabinetId,
        IReadOnlyList<(long TelegramId, WbEvent Event, (DateTimeOffset Start, DateTimeOffset End) Period)> items, DateTimeOffset now, CancellationToken ct)
    {
        if (items.Count == 0) return 0;
        await using var command = new NpgsqlCommand("""
            INSERT INTO wb_digest_items (telegram_id, cabinet_id, event_type, event_key, nm_id, product, article, amount, value, created_at, period_start, due_at)
            SELECT u.telegram_id, $1, u.event_type, u.event_key, u.nm_id, u.product, u.article, u.amount, u.value, $2, u.period_start, u.due_at
            FROM unnest($3::bigint[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::text[], $9::numeric[], $10::int[], $11::timestamptz[], $12::timestamptz[])
              AS u(telegram_id, event_type, event_key, nm_id, product, article, amount, value, period_start, due_at)
            ON CONFLICT (telegram_id, event_key) DO NOTHING
            """, connection, tx);
        command.Parameters.Add(SqlJson.Long(cabinetId));
        command.Parameters.Add(SqlJson.Time(now));
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. items.Select(i => i.TelegramId)] });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. items.Select(i => i.Event.Type)] });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. items.Select(i => i.Event.Key)] });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. items.Select(i => i.Event.Fact!.NmId)] });
        command.Parameters.Add(new NpgsqlParameter { Value = items.Select(i => Cut(i.Event.Fact!.Product, 300)).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = items.Select(i => Cut(i.Event.Fact!.Article, 100)).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = items.Select(i => i.Event.Fact!.Amount).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Numeric });
        command.Parameters.Add(new NpgsqlParameter { Value = items.Select(i => i.Event.Fact!.Value).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = [.. items.Select(i => i.Period.Start.ToUniversalTime())] });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = [.. items.Select(i => i.Period.End.ToUniversalTime())] });
        return await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The users and cabinets with items due by <paramref name="now"/> and not yet in a digest (the partial index <c>ix_wb_digest_items_waiting</c>).</summary>
    public static async Task<List<(long TelegramId, long CabinetId)>> DueAsync(NpgsqlDataSource dataSource, DateTimeOffset now, int limit, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT DISTINCT telegram_id, cabinet_id FROM wb_digest_items WHERE digest_message_id IS NULL AND due_at <= $1 LIMIT $2
            """);
        command.Parameters.Add(SqlJson.Time(now));
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        var due = new List<(long, long)>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) due.Add((reader.GetInt64(0), reader.GetInt64(1)));
        return due;
    }

    /// <summary>What a probe asks before a tick creates a run (<c>$1</c>: now).</summary>
    public const string DueExistsSql = "SELECT 1 FROM wb_digest_items WHERE digest_message_id IS NULL AND due_at <= $1";

    /// <summary>
    /// Builds the digest of one user's and cabinet's items due by <paramref name="now"/>, in one transaction.
    /// Returns the ledger message's id, or null when there was nothing to build (or another replica is building it).
    /// Items of a kind the user switched off meanwhile are dropped, as their messages would be.
    /// </summary>
    public static async Task<long?> BuildAsync(NpgsqlDataSource dataSource, long telegramId, long cabinetId, DateTimeOffset now, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_try_advisory_xact_lock(hashtextextended('wb_digest:' || $1::text, 0))", connection, tx))
        {
            lockCommand.Parameters.Add(SqlJson.Long(telegramId));
            if (await lockCommand.ExecuteScalarAsync(ct) is not true) return null;
        }

        await using (var drop = new NpgsqlCommand($"""
            DELETE FROM wb_digest_items i USING (SELECT 1) AS one
            LEFT JOIN notification_settings s ON s.telegram_id = $1
            WHERE i.telegram_id = $1 AND i.cabinet_id = $2 AND i.digest_message_id IS NULL AND i.due_at <= $3
              AND NOT {WbEventType.AllowedSql("i.event_type")}
            """, connection, tx))
        {
            drop.Parameters.Add(SqlJson.Long(telegramId));
            drop.Parameters.Add(SqlJson.Long(cabinetId));
            drop.Parameters.Add(SqlJson.Time(now));
            await drop.ExecuteNonQueryAsync(ct);
        }

        var ids = new List<long>();
        var items = new List<WbDigestMessages.Item>();
        DateTimeOffset from = DateTimeOffset.MaxValue, to = DateTimeOffset.MinValue;
        await using (var read = new NpgsqlCommand("""
            SELECT id, event_type, nm_id, product, article, amount, value, period_start, due_at FROM wb_digest_items
            WHERE telegram_id = $1 AND cabinet_id = $2 AND digest_message_id IS NULL AND due_at <= $3
            ORDER BY id FOR UPDATE SKIP LOCKED
            """, connection, tx))
        {
            read.Parameters.Add(SqlJson.Long(telegramId));
            read.Parameters.Add(SqlJson.Long(cabinetId));
            read.Parameters.Add(SqlJson.Time(now));
            await using var reader = await read.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                ids.Add(reader.GetInt64(0));
                var start = SqlJson.ReadTime(reader, 7);
                items.Add(new WbDigestMessages.Item(reader.GetString(1), reader.GetInt64(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                    reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetDecimal(5), reader.IsDBNull(6) ? null : reader.GetInt32(6))
                    { PeriodStart = start });
                var end = SqlJson.ReadTime(reader, 8);
                if (start < from) from = start;
                if (end > to) to = end;
            }
        }
        if (ids.Count == 0)
        {
            await tx.CommitAsync(ct);
            return null;
        }

        string? timeZone;
        await using (var zone = new NpgsqlCommand("SELECT time_zone FROM recipient_preferences WHERE chat_id = $1", connection, tx))
        {
            zone.Parameters.Add(SqlJson.Text(telegramId.ToString(CultureInfo.InvariantCulture)));
            timeZone = await zone.ExecuteScalarAsync(ct) as string;
        }
        var text = WbDigestMessages.Build(items, from, to, WbDigestModes.Zone(timeZone));
        var eventKey = string.Create(CultureInfo.InvariantCulture, $"wb_digest:{cabinetId}:{ids[0]}");
        var message = new OutgoingMessage(WbEventType.Digest, MessageHash.Compute("wb", telegramId, eventKey), telegramId.ToString(CultureInfo.InvariantCulture), text)
        {
            CabinetId = cabinetId,
            EventKey = eventKey,
            Bulk = true,
        };
        var written = await DeliveryLedger.InsertAsync(connection, tx, [message], now, ct);
        if (written.Count == 0)
        {
            // Its first item was already digested: cannot happen while items are marked in this transaction.
            await tx.RollbackAsync(ct);
            return null;
        }
        await using (var mark = new NpgsqlCommand(
            "UPDATE wb_digest_items SET digest_message_id = $1, digested_at = $2 WHERE id = ANY($3)", connection, tx))
        {
            mark.Parameters.Add(SqlJson.Long(written[0].Id));
            mark.Parameters.Add(SqlJson.Time(now));
            mark.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. ids] });
            await mark.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
        return written[0].Id;
    }

    private static string? Cut(string? text, int max) => text is null || text.Length <= max ? text : text[..max];
}
