using System.ComponentModel;
using FelixHub.Core.Common;
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
/// At every tick of <see cref="SyncSchedule"/>'s cron: queues one sync per syncable cabinet whose
/// previous sync is neither running (lease) nor still queued, so an overrunning cabinet is skipped
/// rather than stacked — and, when SYNC_INTERVAL is not a cron of its own, whose last sync started at
/// least <see cref="SyncPlan.DueAfter"/> ago (<c>last_sync_started_at</c>, shared by the replicas).
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
        await using var command = dataSource.CreateCommand($"UPDATE wb_cabinets SET sync_enqueued_at = $1 WHERE {DueSql} RETURNING id");
        AddDueParameters(command, options.CurrentValue, time.GetUtcNow());
        var ids = new List<long>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            while (await reader.ReadAsync(cancellationToken)) ids.Add(reader.GetInt64(0));

        foreach (var id in ids.Order())
            jobs.Enqueue<WbCabinetSyncJob>(j => j.ExecuteAsync(id, CancellationToken.None));
        LogFannedOut(logger, ids.Count);
    }

    /// <summary>The cabinets a fan-out queues (<c>$1</c> now, <c>$2</c> a queued sync's staleness limit, <c>$3</c> the latest last start of a due cabinet or null).</summary>
    internal const string DueSql = $"""
        state IN ('{CabinetState.InitialSync}', '{CabinetState.Active}')
          AND (sync_lease_until IS NULL OR sync_lease_until < $1)
          AND (sync_enqueued_at IS NULL OR sync_enqueued_at < $2)
          AND ($3::timestamptz IS NULL OR last_sync_started_at IS NULL OR last_sync_started_at <= $3)
        """;

    internal static void AddDueParameters(NpgsqlCommand command, WildberriesOptions o, DateTimeOffset now)
    {
        var plan = SyncSchedule.PlanFor(o.SyncIntervalSeconds)!;
        command.Parameters.Add(SqlJson.Time(now));
        command.Parameters.Add(SqlJson.Time(now - TimeSpan.FromMinutes(o.SyncLeaseMinutes)));
        command.Parameters.Add(new NpgsqlParameter { Value = plan.Exact ? DBNull.Value : now - plan.DueAfter, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "WB fan-out queued {Count} cabinet syncs")]
    private static partial void LogFannedOut(ILogger logger, int count);
}

/// <summary>
/// Whether a fan-out tick would queue anything (<see cref="WbSyncFanOutJob.DueSql"/>): a tick that would
/// not costs this one query instead of a Hangfire job, which keeps a short tick (a SYNC_INTERVAL no cron
/// expresses) cheap when idle.
/// </summary>
internal sealed class WbFanOutProbe(NpgsqlDataSource dataSource, IOptionsMonitor<WildberriesOptions> options, TimeProvider time) : IRecurringWorkProbe
{
    public string RecurringJobId => WbSyncFanOutJob.RecurringJobId;

    public bool HasWork()
    {
        using var command = dataSource.CreateCommand($"SELECT EXISTS (SELECT 1 FROM wb_cabinets WHERE {WbSyncFanOutJob.DueSql})");
        WbSyncFanOutJob.AddDueParameters(command, options.CurrentValue, time.GetUtcNow());
        return command.ExecuteScalar() is true;
    }
}
