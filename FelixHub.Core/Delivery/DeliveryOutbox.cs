using System.Data;
using System.Transactions;
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
/// A message whose dedup key exists already is not written again. Messages due later wait for the
/// dispatcher; the transaction tells every replica's <see cref="DeliveryWaker"/> the earliest of their times.
/// </summary>
public sealed partial class DeliveryOutbox(
    FelixHubDbContext db,
    [FromKeyedServices(DeliveryOutbox.JobClientKey)] IBackgroundJobClient jobs,
    DeliveryWaker waker,
    TimeProvider time,
    ILogger<DeliveryOutbox> logger)
{
    /// <summary>The key of the Hangfire client whose storage uses the application's connection pool, so its enqueues join the ambient transaction.</summary>
    public const string JobClientKey = "delivery";

    /// <summary>Writes the messages and enqueues their sends; returns the ids of the messages written (not those that existed).</summary>
    public async Task<IReadOnlyList<long>> WriteAsync(IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken)
    {
        if (messages.Count == 0) return [];
        var transaction = Transaction.Current
            ?? throw new InvalidOperationException("Messages are written in their cause's transaction: wrap the change in DeliveryTransaction.Begin().");

        var unique = messages.DistinctBy(m => m.DedupKey).ToList();
        var now = time.GetUtcNow();
        var written = await OnOwnConnectionAsync(connection => DeliveryLedger.InsertAsync(connection, null, unique, now, cancellationToken));
        var jobIds = new List<(long Id, string JobId)>();
        foreach (var (id, message) in written.Where(w => w.Message.HasOwnJob))
        {
            var kind = message.Kind;
            jobIds.Add((id, jobs.Enqueue<DeliveryJob>(j => j.ExecuteAsync(id, kind, CancellationToken.None))));
        }
        if (jobIds.Count > 0) await OnOwnConnectionAsync(connection => RecordJobsAsync(connection, jobIds, cancellationToken));
        // Bulk messages due now go out with the next dispatch run: start one now, in the same transaction.
        if (written.Any(w => w.Message is { HasOwnJob: false, IsSkipped: false } m && (m.DueAt ?? now) <= now))
            jobs.Enqueue<DeliveryDispatchJob>(j => j.ExecuteAsync(CancellationToken.None));

        // Messages due later: every replica's waker hears of the earliest when this transaction commits.
        var later = written.Where(w => w.Message is { HasOwnJob: false, IsSkipped: false, DueAt: { } due } && due > now)
            .Select(w => w.Message.DueAt!.Value).ToList();
        if (later.Count > 0)
        {
            var earliest = later.Min();
            await OnOwnConnectionAsync(async connection =>
            {
                await DeliveryWaker.NotifyAsync(connection, null, earliest, cancellationToken);
                return 0;
            });
            transaction.TransactionCompleted += (_, e) =>
            {
                if (e.Transaction?.TransactionInformation.Status == TransactionStatus.Committed) waker.Hint(earliest);
            };
        }

        foreach (var (id, message) in written)
        {
            if (message.IsSkipped) LogSkipped(logger, id, message.Kind, message.SkipReason);
            else if (message.HasOwnJob) LogWritten(logger, id, message.Kind, message.ChatId!);
            else LogScheduled(logger, id, message.Kind, message.ChatId ?? "(named at send time)", message.DueAt ?? now);
        }
        return written.Select(w => w.Id).ToList();
    }

    /// <summary>
    /// Cancels the messages with these dedup keys that have not gone out (a cancelled booking's
    /// reminders), in the caller's transaction. One a dispatcher is sending right now (row locked) is
    /// waited for and keeps its outcome; one only claimed is cancelled, and its dispatcher finds it gone.
    /// Returns how many were cancelled.
    /// </summary>
    public async Task<int> CancelAsync(IReadOnlyList<string> dedupKeys, CancellationToken cancellationToken)
    {
        if (dedupKeys.Count == 0) return 0;
        if (Transaction.Current is null)
            throw new InvalidOperationException("Messages are cancelled in their cause's transaction: wrap the change in DeliveryTransaction.Begin().");
        return await OnOwnConnectionAsync(async connection =>
        {
            await using var command = new NpgsqlCommand("""
                UPDATE delivery_messages SET state = 'cancelled', next_attempt_at = NULL, claim_token = NULL, finished_at = $2
                WHERE dedup_key = ANY($1) AND state IN ('pending', 'sending')
                """, connection);
            command.Parameters.Add(new NpgsqlParameter { Value = dedupKeys.ToArray() });
            command.Parameters.Add(new NpgsqlParameter { Value = time.GetUtcNow().ToUniversalTime() });
            return await command.ExecuteNonQueryAsync(cancellationToken);
        });
    }

    /// <summary>
    /// Cancels every message to mechanic <paramref name="mechanicId"/> that has not gone out (they were
    /// deactivated), in the caller's transaction, as <see cref="CancelAsync"/> does. Returns how many.
    /// </summary>
    public async Task<int> CancelForMechanicAsync(int mechanicId, CancellationToken cancellationToken)
    {
        if (Transaction.Current is null)
            throw new InvalidOperationException("Messages are cancelled in their cause's transaction: wrap the change in DeliveryTransaction.Begin().");
        return await OnOwnConnectionAsync(async connection =>
        {
            await using var command = new NpgsqlCommand("""
                UPDATE delivery_messages SET state = 'cancelled', next_attempt_at = NULL, claim_token = NULL, finished_at = $2
                WHERE mechanic_id = $1 AND state IN ('pending', 'sending')
                """, connection);
            command.Parameters.Add(new NpgsqlParameter { Value = mechanicId });
            command.Parameters.Add(new NpgsqlParameter { Value = time.GetUtcNow().ToUniversalTime() });
            return await command.ExecuteNonQueryAsync(cancellationToken);
        });
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

    [LoggerMessage(Level = LogLevel.Debug, Message = "Message {MessageId} ({Kind}) to chat {ChatId} due at {DueAt}")]
    private static partial void LogScheduled(ILogger logger, long messageId, string kind, string chatId, DateTimeOffset dueAt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageId} ({Kind}) skipped: {Reason}")]
    private static partial void LogSkipped(ILogger logger, long messageId, string kind, string? reason);
}
