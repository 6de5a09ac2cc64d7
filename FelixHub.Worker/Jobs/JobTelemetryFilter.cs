using System.Diagnostics;
using FelixHub.Core.Common;
using FelixHub.Core.Monitoring;
using FelixHub.Worker.Hosting;
using Hangfire.Client;
using Hangfire.Server;

namespace FelixHub.Worker.Jobs;

/// <summary>
/// What a job inherits from the request (or job) that enqueued it, and what its run reports:
/// <list type="bullet">
/// <item>the W3C trace context (<c>traceparent</c>, <c>tracestate</c>) as the job parameters
/// <c>TraceParent</c>/<c>TraceState</c>: the run is the span <c>hangfire.job Type.Method</c>
/// (<see cref="ActivitySourceName"/>), a child of the enqueuing span, so the trace goes on into the job and
/// the job's HTTP calls and database commands;</item>
/// <item>the log correlation (requestId, orderId, ...) as the job parameter <c>Correlation</c>, restored
/// with jobId around the run so every log line of the job carries it;</item>
/// <item><c>felixhub_jobs_total{job,outcome}</c>.</item>
/// </list>
/// Hangfire has no OpenTelemetry instrumentation of its own; this is it.
/// </summary>
internal sealed class JobTelemetryFilter : IClientFilter, IServerFilter
{
    public const string ActivitySourceName = "FelixHub.Hangfire";
    public const string CorrelationParameter = "Correlation";
    public const string TraceParentParameter = "TraceParent";
    public const string TraceStateParameter = "TraceState";

    private static readonly ActivitySource Source = new(ActivitySourceName);
    private const string ScopeItem = "FelixHub.CorrelationScope";
    private const string ActivityItem = "FelixHub.JobActivity";

    public void OnCreating(CreatingContext context)
    {
        var properties = Correlation.Properties;
        if (properties.Count > 0)
            context.SetJobParameter(CorrelationParameter, properties.ToDictionary(p => p.Key, p => p.Value));
        if (Activity.Current is { IdFormat: ActivityIdFormat.W3C } current)
        {
            context.SetJobParameter(TraceParentParameter, current.Id);
            if (!string.IsNullOrEmpty(current.TraceStateString))
                context.SetJobParameter(TraceStateParameter, current.TraceStateString);
        }
    }

    public void OnCreated(CreatedContext context)
    {
    }

    public void OnPerforming(PerformingContext context)
    {
        var properties = context.GetJobParameter<Dictionary<string, string>>(CorrelationParameter) ?? [];
        properties["jobId"] = context.BackgroundJob.Id;
        context.Items[ScopeItem] = Correlation.PushAll(properties);

        if (!Source.HasListeners()) return;
        ActivityContext.TryParse(context.GetJobParameter<string>(TraceParentParameter), context.GetJobParameter<string>(TraceStateParameter),
            isRemote: true, out var parent);
        var job = context.BackgroundJob.Job;
        var name = job is null ? "hangfire.job" : $"hangfire.job {job.Type.Name}.{job.Method.Name}";
        // Started with a parent or as a root, never under whatever happens to be current on the worker thread.
        Activity.Current = null;
        var activity = Source.StartActivity(name, ActivityKind.Consumer, parent);
        if (activity is null) return;
        if (activity.IsAllDataRequested)
        {
            activity.SetTag("messaging.system", "hangfire");
            activity.SetTag("messaging.operation.type", "process");
            activity.SetTag("hangfire.job.id", context.BackgroundJob.Id);
            if (job is not null) activity.SetTag("hangfire.job.type", $"{job.Type.Name}.{job.Method.Name}");
            var retry = context.GetJobParameter<int>("RetryCount");
            if (retry > 0) activity.SetTag("hangfire.job.retry_count", retry);
            if (properties.TryGetValue(Correlation.RequestIdKey, out var requestId)) activity.SetTag(TelemetrySetup.RequestIdTag, requestId);
        }
        context.Items[ActivityItem] = activity;
    }

    public void OnPerformed(PerformedContext context)
    {
        var succeeded = context.Exception is null || context.ExceptionHandled;
        FelixHubMetrics.JobExecuted(context.BackgroundJob.Job?.Type.Name ?? "unknown", succeeded);

        if (context.Items.TryGetValue(ActivityItem, out var item) && item is Activity activity)
        {
            if (succeeded)
            {
                activity.SetStatus(ActivityStatusCode.Ok);
            }
            else
            {
                var exception = Unwrap(context.Exception!);
                activity.SetStatus(ActivityStatusCode.Error, exception.GetType().Name);
                activity.AddException(exception);
            }
            activity.Stop();
            Activity.Current = null;
        }
        if (context.Items.TryGetValue(ScopeItem, out var scope) && scope is IDisposable disposable)
            disposable.Dispose();
    }

    /// <summary>Hangfire wraps what the job threw in <see cref="JobPerformanceException"/>.</summary>
    private static Exception Unwrap(Exception exception) =>
        exception is JobPerformanceException { InnerException: { } inner } ? inner : exception;
}
