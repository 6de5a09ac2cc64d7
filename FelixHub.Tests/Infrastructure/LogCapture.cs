using System.Collections.Concurrent;
using Serilog.Core;
using Serilog.Events;

namespace FelixHub.Tests.Infrastructure;

/// <summary>Every log event a worker writes, as Serilog produced it (with its correlation properties).</summary>
public sealed class LogCapture : ILogEventSink
{
    private readonly ConcurrentQueue<LogEvent> events = new();

    public IReadOnlyList<LogEvent> Events => events.ToArray();

    public void Emit(LogEvent logEvent) => events.Enqueue(logEvent);

    public IEnumerable<LogEvent> Containing(string text) =>
        Events.Where(e => e.RenderMessage().Contains(text, StringComparison.Ordinal));

    /// <summary>All rendered text: messages, properties and exceptions, as a log shipper would see it.</summary>
    public string AllText() => string.Join('\n', Events.Select(e =>
        e.RenderMessage() + " " + string.Join(' ', e.Properties.Select(p => $"{p.Key}={p.Value}")) + " " + e.Exception));
}

public static class LogEventExtensions
{
    public static string? Property(this LogEvent e, string name) =>
        e.Properties.TryGetValue(name, out var value) ? (value as ScalarValue)?.Value?.ToString() ?? value.ToString() : null;
}
