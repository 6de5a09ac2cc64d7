using System.Data;
using System.Transactions;
using FelixHub.Core.Common;
using FelixHub.Core.Persistence;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace FelixHub.Core.Delivery;

/// <summary>
/// Where features hand over their messages: inside the transaction of the change that causes them
/// (<see cref="DeliveryTransaction.Begin"/>), each message becomes a row of the ledger and, when it has
/// a recipient, a Hangfire job that sends it, enqueued through the same transaction. The change, its
/// messages and their jobs commit together or not at all: nothing is left to recover after a crash.
/// A message whose dedup key exists already is not written again.
/// </summary>
public sealed partial class DeliveryOutbox(
    FelixHubDbContext db,
    [FromKeyedServices(DeliveryOutbox.JobClientKey)] IBackgroundJobClient jobs,
    TimeProvider time,
    ILogger<DeliveryOutbox> logger)
{
    /// <summary>The key of the Hangfire client whose storage uses the application's connection pool, so its enqueues join the ambient transaction.</summary>
    public const string JobClientKey = "delivery";

    /// <summary>Writes the messages and enqueues their sends; returns the ids of the messages written (not those that existed).</summary>
    public async Task<IReadOnlyList<long>> WriteAsync(IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken)
    {
        if (messages.Count == 0) return [];
        if (Transaction.Current is null)
            throw new InvalidOperationException("Messages are written in their cause's transaction: wrap the change in DeliveryTransaction.Begin().");

        var unique = messages.DistinctBy(m => m.DedupKey).ToList();
        var written = await OnOwnConnectionAsync(connection => InsertAsync(connection, unique, cancellationToken));
        var jobIds = new List<(long Id, string JobId)>();
        foreach (var (id, message) in written.Where(w => w.Message.ChatId is not null))
        {
            var kind = message.Kind;
            jobIds.Add((id, jobs.Enqueue<DeliveryJob>(j => j.ExecuteAsync(id, kind, CancellationToken.None))));
        }
        if (jobIds.Count > 0) await OnOwnConnectionAsync(connection => RecordJobsAsync(connection, jobIds, cancellationToken));

        foreach (var (id, message) in written)
        {
            if (message.ChatId is null) LogSkipped(logger, id, message.Kind, message.SkipReason);
            else LogWritten(logger, id, message.Kind, message.ChatId);
        }
        return written.Select(w => w.Id).ToList();
    }

    /// <summary>
    /// Runs on the DbContext's connection and closes it again: Hangfire's enqueue then opens the same
    /// enlisted connection from the pool (two open at once would need a two-phase commit).
    /// </summary>
    private async Task<T> OnOwnConnectionAsync<T>(Func<NpgsqlConnection, Task<T>> work)
    {
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync();
        try
        {
            return await work(connection);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
            if (connection.State != ConnectionState.Closed)
                throw new InvalidOperationException("The DbContext's connection is held open; messages cannot be enqueued in its transaction.");
        }
    }

    private async Task<List<(long Id, OutgoingMessage Message)>> InsertAsync(NpgsqlConnection connection, List<OutgoingMessage> messages, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            WITH written AS (
              INSERT INTO delivery_messages (kind, dedup_key, chat_id, text, reply_markup, order_id, mechanic_id, booking_id, cabinet_id,
                                             state, last_error, due_at, created_at, finished_at, request_id)
              SELECT u.kind, u.dedup_key, u.chat_id, u.text, u.reply_markup::jsonb, u.order_id, u.mechanic_id, u.booking_id, u.cabinet_id,
                     CASE WHEN u.chat_id IS NULL THEN 'skipped' ELSE 'pending' END, u.skip_reason, $12, $12,
                     CASE WHEN u.chat_id IS NULL THEN $12 END, $13
              FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::int[], $8::int[], $9::bigint[], $10::text[], $11::int[])
                AS u(kind, dedup_key, chat_id, text, reply_markup, order_id, mechanic_id, booking_id, cabinet_id, skip_reason, ord)
              ORDER BY u.ord
              ON CONFLICT (dedup_key) DO NOTHING
              RETURNING id, dedup_key, kind, chat_id, state, last_error, order_id, mechanic_id, created_at
            ), skipped AS (
              INSERT INTO notification_logs (notification_type, order_id, mechanic_id, telegram_id, message_hash, sent_at, success, error_message)
              SELECT kind, order_id, mechanic_id, '', dedup_key, created_at, false, last_error FROM written WHERE state = 'skipped'
            )
            SELECT id, dedup_key FROM written
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = messages.Select(m => m.Kind).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = messages.Select(m => m.DedupKey).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = messages.Select(m => m.ChatId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = messages.Select(m => m.Text).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = messages.Select(m => m.ReplyMarkup).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = messages.Select(m => m.OrderId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = messages.Select(m => m.MechanicId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = messages.Select(m => m.BookingId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = messages.Select(m => m.CabinetId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = messages.Select(m => m.ChatId is null ? m.SkipReason ?? "No recipient" : null).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = Enumerable.Range(0, messages.Count).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = time.GetUtcNow() });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)Correlation.RequestId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });

        var byKey = messages.ToDictionary(m => m.DedupKey, StringComparer.Ordinal);
        var written = new List<(long, OutgoingMessage)>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) written.Add((reader.GetInt64(0), byKey[reader.GetString(1)]));
        return written;
    }

    private static async Task<int> RecordJobsAsync(NpgsqlConnection connection, List<(long Id, string JobId)> jobIds, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            "UPDATE delivery_messages d SET job_id = u.job_id FROM unnest($1::bigint[], $2::text[]) AS u(id, job_id) WHERE d.id = u.id", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = jobIds.Select(j => j.Id).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = jobIds.Select(j => j.JobId).ToArray() });
        return await command.ExecuteNonQueryAsync(ct);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Message {MessageId} ({Kind}) to chat {ChatId} queued")]
    private static partial void LogWritten(ILogger logger, long messageId, string kind, string chatId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageId} ({Kind}) skipped: {Reason}")]
    private static partial void LogSkipped(ILogger logger, long messageId, string kind, string? reason);
}
