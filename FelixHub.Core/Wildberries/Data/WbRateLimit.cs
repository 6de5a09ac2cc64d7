namespace FelixHub.Core.Wildberries.Data;

/// <summary>
/// The earliest time the next call of one WB endpoint may go out for one seller account (WB counts its
/// limits per seller, not per key), shared by every replica and kept across restarts.
/// </summary>
public sealed class WbRateLimit
{
    /// <summary><see cref="WbCabinet.RateLimitAccount"/>: <c>sid:…</c>, <c>oid:…</c> or <c>key:{hash}</c>.</summary>
    public required string Account { get; set; }

    public required string Endpoint { get; set; }
    public DateTimeOffset NextAllowedAt { get; set; }
}
