using Hangfire;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FelixHub.Core.Wildberries.Sync;

/// <summary>
/// Registers the WB recurring jobs with stable ids when the host starts (every replica does it; the
/// registration is an idempotent upsert). The fan-out's cron comes from SYNC_INTERVAL (<see cref="SyncSchedule"/>); Hangfire fires
/// recurring jobs only as precisely as its SchedulePollingInterval, which start-up validation keeps
/// no longer than the interval.
/// </summary>
internal sealed partial class WbRecurringJobs(
    IRecurringJobManager recurring,
    IOptions<WildberriesOptions> options,
    ILogger<WbRecurringJobs> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var plan = SyncSchedule.PlanFor(options.Value.SyncIntervalSeconds)!;
        var utc = new RecurringJobOptions { TimeZone = TimeZoneInfo.Utc };
        recurring.AddOrUpdate<WbSyncFanOutJob>(WbSyncFanOutJob.RecurringJobId, j => j.ExecuteAsync(CancellationToken.None), plan.Cron, utc);
        LogRegistered(logger, plan.IntervalSeconds, plan.Cron, plan.TickSeconds);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "WB sync every {Seconds} s: fan-out cron {Cron} (every {TickSeconds} s)")]
    private static partial void LogRegistered(ILogger logger, int seconds, string cron, int tickSeconds);
}
