using FelixHub.Core.Common;
using Hangfire.Client;
using Hangfire.Common;

namespace FelixHub.Worker.Jobs;

/// <summary>
/// Cancels the creation of a recurring job's run when its <see cref="IRecurringWorkProbe"/> says there
/// is nothing to do (Hangfire's documented way for a client filter to skip a run: the scheduler moves the
/// recurring job's next execution on as usual). Runs enqueued any other way are not touched. A probe that
/// fails lets the run be created: the job then does the real check, and reports the error if it persists.
/// </summary>
internal sealed partial class SkipIdleRecurringJobsFilter(IEnumerable<IRecurringWorkProbe> probes, ILogger<SkipIdleRecurringJobsFilter> logger)
    : JobFilterAttribute, IClientFilter
{
    private readonly Dictionary<string, IRecurringWorkProbe> byId = probes.ToDictionary(p => p.RecurringJobId, StringComparer.Ordinal);

    public void OnCreating(CreatingContext context)
    {
        if (!context.Parameters.TryGetValue("RecurringJobId", out var value) || value is not string id || !byId.TryGetValue(id, out var probe))
            return;
        try
        {
            if (probe.HasWork()) return;
            context.Canceled = true;
            LogSkipped(logger, id);
        }
        catch (Exception ex)
        {
            LogProbeFailed(logger, ex, id);
        }
    }

    public void OnCreated(CreatedContext context)
    {
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Recurring job {RecurringJobId}: nothing to do, this tick creates no run")]
    private static partial void LogSkipped(ILogger logger, string recurringJobId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recurring job {RecurringJobId}: could not check for work, creating the run anyway")]
    private static partial void LogProbeFailed(ILogger logger, Exception ex, string recurringJobId);
}
