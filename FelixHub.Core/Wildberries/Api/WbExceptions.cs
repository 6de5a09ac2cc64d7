namespace FelixHub.Core.Wildberries.Api;

/// <summary>WB answered with an error (or something unreadable) that retrying inside the call did not fix.</summary>
public class WbApiException(string message, int? statusCode = null, Exception? inner = null) : Exception(message, inner)
{
    public int? StatusCode { get; } = statusCode;
}

/// <summary>WB refused the key (401/403): a sync stops and the cabinet waits for the key to be registered again.</summary>
public sealed class WbUnauthorizedException(string message, int statusCode, Exception? inner = null) : WbApiException(message, statusCode, inner);

/// <summary>A 429: the wait WB asked for has been recorded; the retry strategy tries again once the rate limiter allows.</summary>
public sealed class WbRateLimitedException(string endpoint, TimeSpan retryAfter, Exception? inner = null)
    : WbApiException($"WB rate limit on {endpoint}: retry after {retryAfter.TotalSeconds:0.#} s", 429, inner)
{
    public string Endpoint { get; } = endpoint;
    public TimeSpan RetryAfter { get; } = retryAfter;
}

/// <summary>
/// Not an error: WB's limit for this endpoint allows the next call only later than a sync may wait.
/// The endpoint is left for a later sync, which resumes from the committed cursor.
/// </summary>
public sealed class WbDeferredException(string endpoint, DateTimeOffset nextAllowedAt)
    : Exception($"{endpoint}: next call allowed at {nextAllowedAt:O}")
{
    public string Endpoint { get; } = endpoint;
    public DateTimeOffset NextAllowedAt { get; } = nextAllowedAt;
}
