using Hangfire;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace FelixHub.Core.Delivery;

/// <summary>What became of a request to send a failed message again.</summary>
public enum ResendOutcome
{
    /// <summary>The message is <c>pending</c> again and on its way through the pipeline.</summary>
    Resent,

    /// <summary>No such message (never written, or removed by retention).</summary>
    NotFound,

    /// <summary>Only a <c>failed</c> message can be resent; this one is in another state.</summary>
    NotFailed,

    /// <summary>The message has no chat to send to and no feature names one at send time.</summary>
    NoRecipient,
}

/// <param name="Outcome">What happened.</param>
/// <param name="State">The message's state before the request.</param>
/// <param name="Path">How it goes out again: <c>job requeued</c>, <c>new job</c> (its job had expired) or <c>dispatch</c>.</param>
/// <param name="JobId">The Hangfire job that sends it now (job path).</param>
public sealed record ResendResult(ResendOutcome Outcome, string? State = null, string? Path = null, string? JobId = null);

/// <summary>
/// Sends a <c>failed</c> message again through the same pipeline, on the same ledger row (same dedup key,
/// so the attempt log's "one success per message" still holds). The row goes back to <c>pending</c> and:
/// <list type="bullet">
/// <item>a message with its own job has that Hangfire job requeued, while the row is still locked, so the
/// job finds it <c>pending</c>; a job Hangfire no longer has (finished jobs expire) is replaced by a new one;</item>
/// <item>a message of the dispatch path is due now (<c>next_attempt_at</c>) with its attempt count
/// started again (the dispatcher gives up after <c>Delivery:MaxAttempts</c>; the attempt log keeps every
/// earlier attempt), and a dispatch run is started.</item>
/// </list>
/// </summary>
public sealed partial class DeliveryResender(NpgsqlDataSource dataSource, IBackgroundJobClient jobs, TimeProvider time, ILogger<DeliveryResender> logger)
{
    public async Task<ResendResult> ResendAsync(long messageId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        string kind, state;
        string? chatId, jobId;
        await using (var select = new NpgsqlCommand("SELECT kind, state, chat_id, job_id FROM delivery_messages WHERE id = $1 FOR UPDATE", connection, tx))
        {
            select.Parameters.Add(new NpgsqlParameter { Value = messageId });
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken)) return new ResendResult(ResendOutcome.NotFound);
            kind = reader.GetString(0);
            state = reader.GetString(1);
            chatId = reader.IsDBNull(2) ? null : reader.GetString(2);
            jobId = reader.IsDBNull(3) ? null : reader.GetString(3);
        }
        if (state != DeliveryStates.Failed) return new ResendResult(ResendOutcome.NotFailed, state);
        // A message with its own job needs its chat; one of the dispatch path may have its recipient
        // named when it is sent (a booking user who has linked Telegram since).
        if (chatId is null && jobId is not null) return new ResendResult(ResendOutcome.NoRecipient, state);

        var now = time.GetUtcNow();
        if (jobId is null)
        {
            await ExecuteAsync(connection, tx, """
                UPDATE delivery_messages SET state = 'pending', finished_at = NULL, claim_token = NULL, next_attempt_at = $2, attempts = 0, unrecorded_claims = 0
                WHERE id = $1
                """, cancellationToken, messageId, now);
            await tx.CommitAsync(cancellationToken);
            try
            {
                jobs.Enqueue<DeliveryDispatchJob>(j => j.ExecuteAsync(CancellationToken.None));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The row is due: the next tick of delivery-dispatch sends it.
                LogDispatchNotStarted(logger, ex, messageId);
            }
            LogResent(logger, messageId, kind, "dispatch", null);
            return new ResendResult(ResendOutcome.Resent, state, "dispatch");
        }

        await ExecuteAsync(connection, tx, "UPDATE delivery_messages SET state = 'pending', finished_at = NULL WHERE id = $1",
            cancellationToken, messageId);
        // Requeued while the row is locked: the job, should it start at once, waits for this commit and
        // finds the message pending. Had the commit failed, the job would still send the failed message
        // (a send may start from failed), which is what was asked for.
        var path = "job requeued";
        if (!jobs.Requeue(jobId))
        {
            jobId = jobs.Enqueue<DeliveryJob>(j => j.ExecuteAsync(messageId, kind, CancellationToken.None));
            await ExecuteAsync(connection, tx, "UPDATE delivery_messages SET job_id = $2 WHERE id = $1", cancellationToken, messageId, jobId);
            path = "new job";
        }
        await tx.CommitAsync(cancellationToken);
        LogResent(logger, messageId, kind, path, jobId);
        return new ResendResult(ResendOutcome.Resent, state, path, jobId);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string sql, CancellationToken ct, params object[] values)
    {
        await using var command = new NpgsqlCommand(sql, connection, tx);
        foreach (var value in values) command.Parameters.Add(new NpgsqlParameter { Value = value });
        await command.ExecuteNonQueryAsync(ct);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Message {MessageId} ({Kind}) is pending again ({Path}, job {JobId})")]
    private static partial void LogResent(ILogger logger, long messageId, string kind, string path, string? jobId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageId} is due again but no dispatch run could be started; the next tick of delivery-dispatch sends it")]
    private static partial void LogDispatchNotStarted(ILogger logger, Exception exception, long messageId);
}
