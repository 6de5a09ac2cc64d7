using Npgsql;
using NpgsqlTypes;

namespace FelixHub.Core.Wildberries.Api;

/// <summary>
/// WB's limits per seller account and endpoint, kept in <c>wb_rate_limits</c> as the next allowed time:
/// a restart does not forget them and every replica shares them. WB counts its limits per seller
/// account, not per key, so two cabinets of one seller (two keys) reserve from one row
/// (<see cref="WbApiKeyInfo.RateLimitAccount"/>). A call reserves its slot with one atomic upsert (the
/// slot is max(next allowed, now), and next allowed moves one interval past it), so two replicas — or
/// two cabinets of one seller — never take the same slot.
/// </summary>
public sealed class WbRateLimiter(NpgsqlDataSource dataSource, TimeProvider time)
{
    /// <summary>
    /// Reserves the next call of <paramref name="endpoint"/> and returns how long to wait for it; or null,
    /// reserving nothing, when that slot is more than <paramref name="maxWait"/> away.
    /// </summary>
    public async Task<TimeSpan?> ReserveAsync(string account, string endpoint, TimeSpan interval, TimeSpan maxWait, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await using var command = dataSource.CreateCommand("""
            INSERT INTO wb_rate_limits (account, endpoint, next_allowed_at) VALUES ($1, $2, $3 + $4)
            ON CONFLICT (account, endpoint) DO UPDATE
                SET next_allowed_at = GREATEST(wb_rate_limits.next_allowed_at, $3) + $4
                WHERE wb_rate_limits.next_allowed_at <= $5
            RETURNING next_allowed_at - $4
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = account });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = endpoint });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = interval, NpgsqlDbType = NpgsqlDbType.Interval });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now + maxWait, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        var slot = await command.ExecuteScalarAsync(ct);
        if (slot is not DateTime slotTime) return null;
        var wait = new DateTimeOffset(DateTime.SpecifyKind(slotTime, DateTimeKind.Utc)) - now;
        return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
    }

    /// <summary>Moves the next allowed time to at least <paramref name="until"/> (WB's 429 said so).</summary>
    public async Task PushBackAsync(string account, string endpoint, DateTimeOffset until, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO wb_rate_limits (account, endpoint, next_allowed_at) VALUES ($1, $2, $3)
            ON CONFLICT (account, endpoint) DO UPDATE
                SET next_allowed_at = GREATEST(wb_rate_limits.next_allowed_at, excluded.next_allowed_at)
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = account });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = endpoint });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = until.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        await command.ExecuteNonQueryAsync(ct);
    }

    public async Task<DateTimeOffset?> NextAllowedAsync(string account, string endpoint, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("SELECT next_allowed_at FROM wb_rate_limits WHERE account = $1 AND endpoint = $2");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = account });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = endpoint });
        return await command.ExecuteScalarAsync(ct) is DateTime value ? new DateTimeOffset(DateTime.SpecifyKind(value, DateTimeKind.Utc)) : null;
    }
}
