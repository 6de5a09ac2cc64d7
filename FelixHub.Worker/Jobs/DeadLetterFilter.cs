using System.Globalization;
using FelixHub.Core.Common;
using FelixHub.Core.Delivery;
using Hangfire.States;

namespace FelixHub.Worker.Jobs;

/// <summary>
/// Hangfire's Failed state is the dead-letter queue. Runs after <c>AutomaticRetry</c>, so it sees only
/// failures that are final. A message's send job that lands there fails its message, with one critical
/// <c>DEAD_LETTER</c> line per message (<see cref="DeliveryDeadLetter"/>); any other job (a sync, a
/// dispatch run) is logged as a failed job under its own name.
/// </summary>
internal sealed partial class DeadLetterFilter(DeliveryDeadLetter deadLetters, ILogger<DeadLetterFilter> logger) : IElectStateFilter
{
    public const int FilterOrder = 1000;

    public void OnStateElection(ElectStateContext context)
    {
        if (context.CandidateState is not FailedState failed) return;

        var properties = context.GetJobParameter<Dictionary<string, string>>(JobTelemetryFilter.CorrelationParameter) ?? [];
        properties["jobId"] = context.BackgroundJob.Id;
        using var scope = Correlation.PushAll(properties);
        var job = context.BackgroundJob.Job;
        if (job?.Type == typeof(DeliveryJob) && job.Args.Count > 0 && job.Args[0] is not null)
        {
            deadLetters.RetriesExhausted(Convert.ToInt64(job.Args[0], CultureInfo.InvariantCulture), failed.Exception.Message);
            return;
        }
        LogJobFailed(logger, failed.Exception, context.BackgroundJob.Id, job is null ? "(unknown job)" : $"{job.Type.Name}.{job.Method.Name}", failed.Exception.Message);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {JobId} ({Job}) failed after all retries and is in the Failed state: {Reason}")]
    private static partial void LogJobFailed(ILogger logger, Exception exception, string jobId, string job, string reason);
}
