namespace FelixHub.Core.Wildberries.Sync;

public enum WbSyncStatus
{
    /// <summary>Another sync holds the cabinet (or it is not syncable): nothing was done.</summary>
    Skipped,

    Succeeded,

    /// <summary>Everything that ran succeeded, but an endpoint was left for later because of WB's rate limit.</summary>
    Partial,

    /// <summary>An endpoint failed; what was committed stays and the next sync resumes from there.</summary>
    Failed,
}

public sealed record WbSyncResult(WbSyncStatus Status, long? SyncLogId = null, int Events = 0, string? Error = null);

/// <summary>Thrown by the sync job so Hangfire shows the run as failed; the details are in <c>wb_sync_logs</c>.</summary>
public sealed class WbSyncFailedException(long cabinetId, string error) : Exception($"WB sync of cabinet {cabinetId} failed: {error}")
{
    public long CabinetId { get; } = cabinetId;
}

/// <summary>Another sync took the cabinet over (this one's lease ran out): stop without writing more.</summary>
public sealed class WbLeaseLostException(long cabinetId) : Exception($"The sync lease of cabinet {cabinetId} was lost to another sync.");
