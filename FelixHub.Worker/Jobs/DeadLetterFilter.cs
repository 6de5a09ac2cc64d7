using System.Collections;
using FelixHub.Core.Common;
using Hangfire.States;

namespace FelixHub.Worker.Jobs;

/// <summary>
/// Hangfire's Failed state is the dead-letter queue. When a job lands there (its retries exhausted),
/// this writes one critical <c>DEAD_LETTER</c> line carrying requestId, orderId and the chat id.
/// Runs after <c>AutomaticRetry</c>, so it only sees failures that are final.
/// </summary>
internal sealed partial class DeadLetterFilter(ILogger<DeadLetterFilter> logger) : IElectStateFilter
{
    public const int FilterOrder = 1000;

    public void OnStateElection(ElectStateContext context)
    {
        if (context.CandidateState is not FailedState failed) return;

        var properties = context.GetJobParameter<Dictionary<string, string>>(CorrelationJobFilter.ParameterName) ?? [];
        properties["jobId"] = context.BackgroundJob.Id;
        for (var e = failed.Exception; e is not null; e = e.InnerException)
        {
            foreach (DictionaryEntry entry in e.Data)
                if (entry.Key is string key && entry.Value is not null)
                    properties.TryAdd(key, entry.Value.ToString() ?? "");
        }

        using (Correlation.PushAll(properties))
        {
            var job = context.BackgroundJob.Job;
            LogDeadLetter(logger, failed.Exception, context.BackgroundJob.Id,
                job is null ? "(unknown job)" : $"{job.Type.Name}.{job.Method.Name}",
                properties.GetValueOrDefault("requestId"), properties.GetValueOrDefault("orderId"), properties.GetValueOrDefault("chatId"),
                failed.Exception.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Critical,
        Message = "DEAD_LETTER: job {JobId} ({Job}) failed after all retries and is in the Failed state (requestId={RequestId}, orderId={OrderId}, chatId={ChatId}): {Reason}")]
    private static partial void LogDeadLetter(ILogger logger, Exception exception, string jobId, string job, string? requestId, string? orderId, string? chatId, string reason);
}
