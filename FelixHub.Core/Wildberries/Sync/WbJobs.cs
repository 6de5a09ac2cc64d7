using System.ComponentModel;
using FelixHub.Core.Monitoring;
using FelixHub.Core.Wildberries.Data;
using Hangfire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace FelixHub.Core.Wildberries.Sync;

/// <summary>
/// Syncs one cabinet. No Hangfire retry: a failed sync has recorded what went wrong, and the next
/// fan-out resumes from the committed cursors (retries inside a call live in <see cref="Api.WbGateway"/>).
/// </summary>
public sealed class WbCabinetSyncJob(WbSyncService sync)
{
    [AutomaticRetry(Attempts = 0)]
    [DisplayName("WB sync: cabinet {0}")]
    public async Task ExecuteAsync(long cabinetId, CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var result = await sync.SyncAsync(cabinetId, cancellationToken);
        FelixHubMetrics.WbSync(result.Status != WbSyncStatus.Failed, System.Diagnostics.Stopwatch.GetElapsedTime(started));
        if (result.Status == WbSyncStatus.Failed)
            throw new WbSyncFailedException(cabinetId, result.Error ?? "unknown error");
    }
}

/// <summary>
/// Every SYNC_INTERVAL: queues one sync per syncable cabinet whose previous sync is neither running
/// (lease) nor still queued, so an overrunning cabinet is skipped rather than stacked.
/// </summary>
public sealed partial class WbSyncFanOutJob(
    NpgsqlDataSource dataSource,
    IBackgroundJobClient jobs,
    IOptionsMonitor<WildberriesOptions> options,
    TimeProvider time,
    ILogger<WbSyncFanOutJob> logger)
{
    public const string RecurringJobId = "wb-sync-fan-out";

    [AutomaticRetry(Attempts = 0)]
    [DisplayName("WB sync fan-out")]
    public async Task ExecuteAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var stale = TimeSpan.FromMinutes(options.CurrentValue.SyncLeaseMinutes);
        await using var command = dataSource.CreateCommand($"""
            UPDATE wb_cabinets SET sync_enqueued_at = $1
            WHERE state IN ('{CabinetState.InitialSync}', '{CabinetState.Active}')
              AND (sync_lease_until IS NULL OR sync_lease_until < $1)
              AND (sync_enqueued_at IS NULL OR sync_enqueued_at < $2)
            RETURNING id
            """);
        command.Parameters.Add(SqlJson.Time(now));
        command.Parameters.Add(SqlJson.Time(now - stale));
        var ids = new List<long>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            while (await reader.ReadAsync(cancellationToken)) ids.Add(reader.GetInt64(0));

        foreach (var id in ids.Order())
            jobs.Enqueue<WbCabinetSyncJob>(j => j.ExecuteAsync(id, CancellationToken.None));
        LogFannedOut(logger, ids.Count);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "WB fan-out queued {Count} cabinet syncs")]
    private static partial void LogFannedOut(ILogger logger, int count);
}
