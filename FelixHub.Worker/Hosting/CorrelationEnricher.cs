using FelixHub.Core.Common;
using Serilog.Core;
using Serilog.Events;

namespace FelixHub.Worker.Hosting;

/// <summary>Puts the ambient correlation properties (requestId, orderId, chatId, jobId) on every log event.</summary>
internal sealed class CorrelationEnricher : ILogEventEnricher
{
    public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
    {
        foreach (var (key, value) in Correlation.Properties)
            logEvent.AddPropertyIfAbsent(propertyFactory.CreateProperty(key, value));
    }
}
