using FelixHub.Core.Common;
using Hangfire.Client;
using Hangfire.Server;

namespace FelixHub.Worker.Jobs;

/// <summary>
/// Carries the request's correlation (requestId, orderId, ...) into the jobs it enqueues, as the job
/// parameter <c>Correlation</c>, and restores it (plus jobId) around the job's execution so every log
/// line of the job carries it.
/// </summary>
internal sealed class CorrelationJobFilter : IClientFilter, IServerFilter
{
    public const string ParameterName = "Correlation";
    private const string ScopeItem = "FelixHub.CorrelationScope";

    public void OnCreating(CreatingContext context)
    {
        var properties = Correlation.Properties;
        if (properties.Count > 0)
            context.SetJobParameter(ParameterName, properties.ToDictionary(p => p.Key, p => p.Value));
    }

    public void OnCreated(CreatedContext context)
    {
    }

    public void OnPerforming(PerformingContext context)
    {
        var properties = context.GetJobParameter<Dictionary<string, string>>(ParameterName) ?? [];
        properties["jobId"] = context.BackgroundJob.Id;
        context.Items[ScopeItem] = Correlation.PushAll(properties);
    }

    public void OnPerformed(PerformedContext context)
    {
        if (context.Items.TryGetValue(ScopeItem, out var scope) && scope is IDisposable disposable)
            disposable.Dispose();
    }
}
