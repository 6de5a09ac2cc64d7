namespace FelixHub.Core.Wildberries.Data;

/// <summary>One sync run of one cabinet: what it loaded, what it notified, and how it ended.</summary>
public sealed class WbSyncLog
{
    public long Id { get; set; }
    public long CabinetId { get; set; }

    /// <summary><c>initial</c> or <c>regular</c>.</summary>
    public required string Kind { get; set; }

    /// <summary><c>running</c>, <c>succeeded</c>, <c>partial</c> (an endpoint was left for later by a rate limit) or <c>failed</c>.</summary>
    public required string Status { get; set; }

    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    /// <summary>Orders new or changed by this run (a re-read row counts nowhere); likewise sales. Reviews: new ones; stocks: rows in the snapshot.</summary>
    public int Orders { get; set; }
    public int Sales { get; set; }
    public int Reviews { get; set; }
    public int Stocks { get; set; }
    public int Products { get; set; }
    public int Events { get; set; }

    /// <summary>Endpoints left for a later sync because WB's limit was further away than the sync may wait.</summary>
    public string? Deferred { get; set; }

    public string? Error { get; set; }
}
