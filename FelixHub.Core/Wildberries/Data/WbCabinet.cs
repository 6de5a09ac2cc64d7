namespace FelixHub.Core.Wildberries.Data;

/// <summary>
/// A WB seller cabinet: one API key, shared by every user who registered that key. The key is kept
/// encrypted (ASP.NET Core Data Protection) and found again by its SHA-256; it is never logged or returned.
/// </summary>
public sealed class WbCabinet
{
    public long Id { get; set; }

    /// <summary>The API key, protected with Data Protection (keys in <c>data_protection_keys</c>, shared by replicas).</summary>
    public required string ApiKeyEncrypted { get; set; }

    /// <summary>Hex SHA-256 of the key: how a second registration of the same key finds this cabinet.</summary>
    public required string ApiKeyHash { get; set; }

    /// <summary>The token's <c>acc</c> claim: 1 Base, 3 Personal, 4 Service (Base has far stricter statistics limits).</summary>
    public int? TokenType { get; set; }

    public DateTimeOffset? KeyExpiresAt { get; set; }

    /// <summary>The token's <c>s</c> claim: the API categories the key says it may use (<see cref="WbCategories"/>); null for a cabinet registered before it was kept (taken as all).</summary>
    public int? KeyScopes { get; set; }

    /// <summary>
    /// The categories (bits as in <c>s</c>) WB refused during a sync although the key claims them: the sync
    /// leaves them out until a key is registered again. Statistics is never here: its refusal rejects the key.
    /// </summary>
    public int RefusedCategories { get; set; }

    /// <summary>What WB's rate limits count against: <c>sid:…</c> / <c>oid:…</c> from the token, or <c>key:{hash}</c> (<see cref="WbApiKeyInfo.RateLimitAccount"/>).</summary>
    public string? RateLimitAccount { get; set; }

    /// <summary><see cref="CabinetState"/>.</summary>
    public string State { get; set; } = CabinetState.InitialSync;

    /// <summary>The start of the loaded history (registration time minus <c>InitialSyncDays</c>); older rows that show up later are not "new".</summary>
    public DateTimeOffset HistoryFrom { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>When the last sync claimed the cabinet: a SYNC_INTERVAL no cron expresses is kept by skipping cabinets synced more recently (<see cref="SyncSchedule"/>).</summary>
    public DateTimeOffset? LastSyncStartedAt { get; set; }

    /// <summary>End of the last sync that completed without errors.</summary>
    public DateTimeOffset? LastSyncAt { get; set; }

    public DateTimeOffset? InitialSyncCompletedAt { get; set; }

    /// <summary>A sync holds the cabinet until this time (renewed after every page); expired or null means free.</summary>
    public DateTimeOffset? SyncLeaseUntil { get; set; }

    public Guid? SyncLeaseOwner { get; set; }

    /// <summary>When the fan-out last queued a sync that has not started yet: it queues no second one meanwhile.</summary>
    public DateTimeOffset? SyncEnqueuedAt { get; set; }

    public string? LastSyncError { get; set; }
}

public static class CabinetState
{
    /// <summary>Registered; the silent initial sync has not completed yet.</summary>
    public const string InitialSync = "initial-sync";

    /// <summary>Synced every SYNC_INTERVAL; events are notified.</summary>
    public const string Active = "active";

    /// <summary>WB refused the key for Statistics (401/403) during a sync, or it cannot be decrypted: not synced until a key is registered again.</summary>
    public const string KeyRejected = "key-rejected";
}
