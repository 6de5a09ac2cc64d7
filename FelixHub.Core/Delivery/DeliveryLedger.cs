using FelixHub.Core.Common;
using Npgsql;
using NpgsqlTypes;

namespace FelixHub.Core.Delivery;

/// <summary>
/// Writes messages into the ledger on a connection (and transaction) the caller holds: what
/// <see cref="DeliveryOutbox"/> does inside an ambient transaction, and what a feature that runs its own
/// <see cref="NpgsqlTransaction"/> (the WB sync) calls directly. One statement for any number of messages;
/// a message whose dedup key exists already is not written again; a message without a recipient (and
/// none to be named at send time) is written <c>skipped</c> with its attempt-log row. A message with its own job has no
/// <see cref="DeliveryMessage.NextAttemptAt"/>; the others wait for the dispatcher from their due time.
/// </summary>
public static class DeliveryLedger
{
    private const string InsertSql = """
        WITH written AS (
          INSERT INTO delivery_messages (kind, dedup_key, event_key, chat_id, text, reply_markup, photo_url, order_id, mechanic_id, booking_id, cabinet_id,
                                         state, last_error, due_at, next_attempt_at, expires_at, created_at, finished_at, request_id)
          SELECT u.kind, u.dedup_key, u.event_key, u.chat_id, u.text, u.reply_markup::jsonb, u.photo_url, u.order_id, u.mechanic_id, u.booking_id, u.cabinet_id,
                 CASE WHEN u.skip_reason IS NOT NULL THEN 'skipped' ELSE 'pending' END, u.skip_reason, coalesce(u.due_at, $17),
                 CASE WHEN u.skip_reason IS NULL AND u.dispatched THEN coalesce(u.due_at, $17) END, u.expires_at, $17,
                 CASE WHEN u.skip_reason IS NOT NULL THEN $17 END, $18
          FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[], $9::int[], $10::int[], $11::bigint[],
                      $12::text[], $13::timestamptz[], $14::timestamptz[], $15::boolean[], $16::int[])
            AS u(kind, dedup_key, event_key, chat_id, text, reply_markup, photo_url, order_id, mechanic_id, booking_id, cabinet_id,
                 skip_reason, due_at, expires_at, dispatched, ord)
          ORDER BY u.ord
          ON CONFLICT (dedup_key) DO NOTHING
          RETURNING id, dedup_key, kind, chat_id, state, last_error, order_id, mechanic_id, created_at
        ), skipped AS (
          INSERT INTO notification_logs (notification_type, order_id, mechanic_id, telegram_id, message_hash, sent_at, success, error_message)
          SELECT kind, order_id, mechanic_id, '', dedup_key, created_at, false, last_error FROM written WHERE state = 'skipped'
        )
        SELECT id, dedup_key FROM written
        """;

    /// <summary>Writes <paramref name="messages"/> (distinct dedup keys); returns those written, with their ids.</summary>
    public static async Task<List<(long Id, OutgoingMessage Message)>> InsertAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction,
        IReadOnlyList<OutgoingMessage> messages, DateTimeOffset now, CancellationToken ct)
    {
        if (messages.Count == 0) return [];
        await using var command = new NpgsqlCommand(InsertSql, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = messages.Select(m => m.Kind).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = messages.Select(m => m.DedupKey).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = messages.Select(m => m.EventKey).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = messages.Select(m => m.ChatId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = messages.Select(m => m.Text).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = messages.Select(m => m.ReplyMarkup).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = messages.Select(m => m.PhotoUrl).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = messages.Select(m => m.OrderId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer });
        command.Parameters.Add(new NpgsqlParameter { Value = messages.Select(m => m.MechanicId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer });
        command.Parameters.Add(new NpgsqlParameter { Value = messages.Select(m => m.BookingId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer });
        command.Parameters.Add(new NpgsqlParameter { Value = messages.Select(m => m.CabinetId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = messages.Select(m => m.IsSkipped ? m.SkipReason ?? "No recipient" : null).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = messages.Select(m => m.DueAt?.ToUniversalTime()).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = messages.Select(m => m.ExpiresAt?.ToUniversalTime()).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = messages.Select(m => !m.HasOwnJob).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = Enumerable.Range(0, messages.Count).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = now.ToUniversalTime() });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)Correlation.RequestId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });

        var byKey = new Dictionary<string, OutgoingMessage>(StringComparer.Ordinal);
        foreach (var m in messages) byKey.TryAdd(m.DedupKey, m);
        var written = new List<(long, OutgoingMessage)>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) written.Add((reader.GetInt64(0), byKey[reader.GetString(1)]));
        return written;
    }
}
