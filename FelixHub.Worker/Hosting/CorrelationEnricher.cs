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

/// <summary>For the text console only: the correlation as one short tag, e.g. <c> [requestId=ab12 orderId=7]</c>.</summary>
internal sealed class CorrelationTagEnricher : ILogEventEnricher
{
    public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
    {
        var properties = Correlation.Properties;
        var tag = properties.Count == 0 ? "" : " [" + string.Join(' ', properties.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}")) + "]";
        logEvent.AddPropertyIfAbsent(new LogEventProperty("CorrelationTag", new ScalarValue(tag)));
    }
}
