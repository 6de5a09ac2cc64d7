using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace FelixHub.Core.Idempotency;

/// <summary>What a request carrying an <c>Idempotency-Key</c> may do, as <see cref="IdempotencyStore.ClaimAsync"/> decides.</summary>
public abstract record IdempotencyDecision
{
    /// <summary>The key is this request's: run it, then <see cref="IdempotencyStore.CompleteAsync"/> or <see cref="IdempotencyStore.ReleaseAsync"/>.</summary>
    public sealed record Run(IdempotencyClaim Claim) : IdempotencyDecision;

    /// <summary>The same request finished before: answer what it answered.</summary>
    public sealed record Replay(int StatusCode, string? ContentType, string? Location, byte[] Body) : IdempotencyDecision;

    /// <summary>The same request is still running (here or on another replica).</summary>
    public sealed record InProgress : IdempotencyDecision;

    /// <summary>The key was first used with another request (another body or path).</summary>
    public sealed record OtherRequest : IdempotencyDecision;
}

/// <summary>A key this request holds while it runs.</summary>
public sealed record IdempotencyClaim(string Scope, string Key, Guid ClaimId);

/// <summary>
/// The <c>idempotency_requests</c> table, shared by every replica. A key is claimed with one
/// <c>INSERT … ON CONFLICT</c>: a new key, an expired one, or one whose request is in progress past the
/// lease (its worker died) becomes this request's; otherwise the row there decides (replay, in progress,
/// other request). Each statement is its own short transaction: no connection is held while the request runs.
/// </summary>
public sealed partial class IdempotencyStore(NpgsqlDataSource dataSource, IOptionsMonitor<IdempotencyOptions> options, TimeProvider time,
    ILogger<IdempotencyStore> logger)
{
    public const string InProgress = "in_progress";
    public const string Completed = "completed";
    public const int MaxKeyLength = 255;
    public const int MaxScopeLength = 300;

    // Takes a new key, an expired one, or the same request's claim left past the lease. Nothing is
    // returned when the row there belongs to a live request or holds an answer.
    private const string ClaimSql = """
        INSERT INTO idempotency_requests (scope, key, request_hash, state, claim_id, claimed_at, created_at, expires_at)
        VALUES ($1, $2, $3, 'in_progress', $4, $5, $5, $6)
        ON CONFLICT (scope, key) DO UPDATE SET
            request_hash = EXCLUDED.request_hash, state = 'in_progress', claim_id = EXCLUDED.claim_id,
            claimed_at = EXCLUDED.claimed_at, created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at,
            status_code = NULL, content_type = NULL, location = NULL, body = NULL
        WHERE idempotency_requests.expires_at <= $5
           OR (idempotency_requests.state = 'in_progress' AND idempotency_requests.claimed_at <= $7
               AND idempotency_requests.request_hash = EXCLUDED.request_hash)
        RETURNING claim_id
        """;

    private const string ReadSql = """
        SELECT request_hash, state, status_code, content_type, location, body FROM idempotency_requests
        WHERE scope = $1 AND key = $2 AND expires_at > $3
        """;

    public async Task<IdempotencyDecision> ClaimAsync(string scope, string key, byte[] requestHash, CancellationToken ct)
    {
        var o = options.CurrentValue;
        // A row can go between the two statements (its request failed and released it): claim again.
        for (var attempt = 0; ; attempt++)
        {
            var now = time.GetUtcNow();
            var claimId = Guid.NewGuid();
            await using (var claim = dataSource.CreateCommand(ClaimSql))
            {
                claim.Parameters.Add(new NpgsqlParameter<string> { TypedValue = scope });
                claim.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
                claim.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = requestHash, NpgsqlDbType = NpgsqlDbType.Bytea });
                claim.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = claimId });
                claim.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now });
                claim.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now.AddHours(o.KeepHours) });
                claim.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now.AddSeconds(-o.LeaseSeconds) });
                if (await claim.ExecuteScalarAsync(ct) is Guid claimed && claimed == claimId)
                    return new IdempotencyDecision.Run(new IdempotencyClaim(scope, key, claimId));
            }

            await using var read = dataSource.CreateCommand(ReadSql);
            read.Parameters.Add(new NpgsqlParameter<string> { TypedValue = scope });
            read.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
            read.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now });
            await using var reader = await read.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct))
            {
                if (attempt < 3) continue;
                // Claimed and released over and over by others: answer as if it were running.
                return new IdempotencyDecision.InProgress();
            }
            var hash = reader.GetFieldValue<byte[]>(0);
            if (!hash.AsSpan().SequenceEqual(requestHash)) return new IdempotencyDecision.OtherRequest();
            if (reader.GetString(1) != Completed) return new IdempotencyDecision.InProgress();
            return new IdempotencyDecision.Replay(reader.GetInt32(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? [] : reader.GetFieldValue<byte[]>(5));
        }
    }

    /// <summary>Stores the answer of the request that holds <paramref name="claim"/>; later requests with its key get it back.</summary>
    public async Task CompleteAsync(IdempotencyClaim claim, int statusCode, string? contentType, string? location, byte[] body)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE idempotency_requests SET state = 'completed', status_code = $4, content_type = $5, location = $6, body = $7
            WHERE scope = $1 AND key = $2 AND claim_id = $3
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = claim.Scope });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = claim.Key });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = claim.ClaimId });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = statusCode });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)contentType ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Varchar });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)location ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Varchar });
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = body, NpgsqlDbType = NpgsqlDbType.Bytea });
        // CancellationToken.None: the request has done its work; its answer must be kept even if the caller hung up.
        if (await command.ExecuteNonQueryAsync(CancellationToken.None) == 0)
            LogClaimLost(logger, claim.Scope, claim.Key);
    }

    /// <summary>Frees the key of a request that failed (threw, or answered 5xx), so that a retry runs it again.</summary>
    public async Task ReleaseAsync(IdempotencyClaim claim)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM idempotency_requests WHERE scope = $1 AND key = $2 AND claim_id = $3");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = claim.Scope });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = claim.Key });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = claim.ClaimId });
        await command.ExecuteNonQueryAsync(CancellationToken.None);
    }

    /// <summary>
    /// <see cref="CompleteAsync"/> or <see cref="ReleaseAsync"/> when the request's own answer (or error) must
    /// go out whatever happens here: a failure (the database just went away) is logged, not thrown. The key
    /// then stays claimed until the lease ends, and a retry gets a 409 until then.
    /// </summary>
    public async Task FinishQuietlyAsync(IdempotencyClaim claim, Func<Task> finish)
    {
        try
        {
            await finish();
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            LogFinishFailed(logger, claim.Scope, claim.Key, e.GetBaseException().Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Idempotency-Key {Key} of {Scope}: could not record the end of the request ({Reason}); the key stays claimed until its lease ends")]
    private static partial void LogFinishFailed(ILogger logger, string scope, string key, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Idempotency-Key {Key} of {Scope}: the request outlived its lease and another took the key over; its answer is not kept")]
    private static partial void LogClaimLost(ILogger logger, string scope, string key);
}
