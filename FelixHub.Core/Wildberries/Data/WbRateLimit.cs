namespace FelixHub.Core.Wildberries.Data;

/// <summary>The earliest time the next call of one WB endpoint may go out for one cabinet, shared by every replica and kept across restarts.</summary>
public sealed class WbRateLimit
{
    public long CabinetId { get; set; }
    public required string Endpoint { get; set; }
    public DateTimeOffset NextAllowedAt { get; set; }
}
