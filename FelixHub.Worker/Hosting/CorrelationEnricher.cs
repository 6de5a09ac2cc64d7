using FelixHub.Core.Common;
using Serilog.Core;
using Serilog.Events;

namespace FelixHub.Worker.Hosting;

/// <summary>
/// Puts the ambient correlation properties (requestId, orderId, chatId, jobId) on every log event. The
/// trace and span ids are Serilog's own (taken from <c>Activity.Current</c>): <c>@tr</c>/<c>@sp</c> in JSON.
/// </summary>
internal sealed class CorrelationEnricher : ILogEventEnricher
{
    public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
    {
        foreach (var (key, value) in Correlation.Properties)
            logEvent.AddPropertyIfAbsent(propertyFactory.CreateProperty(key, value));
    }
}

/// <summary>For the text console only: the correlation and the trace id as one short tag, e.g. <c> [requestId=ab12 orderId=7 traceId=4bf9…]</c>.</summary>
internal sealed class CorrelationTagEnricher : ILogEventEnricher
{
    public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
    {
        var parts = Correlation.Properties.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}");
        if (logEvent.TraceId is { } traceId) parts = parts.Append($"traceId={traceId}");
        var tag = string.Join(' ', parts);
        logEvent.AddPropertyIfAbsent(new LogEventProperty("CorrelationTag", new ScalarValue(tag.Length == 0 ? "" : " [" + tag + "]")));
    }
}
