using FelixHub.Core.Monitoring;
using Hangfire.Server;

namespace FelixHub.Worker.Jobs;

/// <summary>Counts job executions by job type and outcome for <c>/metrics</c>.</summary>
internal sealed class JobMetricsFilter : IServerFilter
{
    public void OnPerforming(PerformingContext context)
    {
    }

    public void OnPerformed(PerformedContext context) =>
        FelixHubMetrics.JobExecuted(context.BackgroundJob.Job?.Type.Name ?? "unknown", context.Exception is null || context.ExceptionHandled);
}
