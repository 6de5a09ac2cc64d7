using System.Collections.Immutable;

namespace FelixHub.Core.Common;

/// <summary>
/// The ambient correlation properties (requestId, orderId, chatId, ...) of the current request or job.
/// They flow with the async context, are attached to every log line by the host's log enricher, and
/// are carried from a request into the jobs it enqueues as a Hangfire job parameter.
/// </summary>
public static class Correlation
{
    public const string RequestIdKey = "requestId";

    private static readonly AsyncLocal<ImmutableDictionary<string, string>?> Current = new();

    public static IReadOnlyDictionary<string, string> Properties =>
        Current.Value ?? ImmutableDictionary<string, string>.Empty;

    public static string? RequestId => Properties.GetValueOrDefault(RequestIdKey);

    /// <summary>Adds (or replaces) one property until the returned scope is disposed.</summary>
    public static IDisposable Push(string key, object? value)
    {
        var previous = Current.Value;
        var text = Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture);
        Current.Value = text is null
            ? (previous ?? ImmutableDictionary<string, string>.Empty).Remove(key)
            : (previous ?? ImmutableDictionary<string, string>.Empty).SetItem(key, text);
        return new Scope(previous);
    }

    /// <summary>Adds several properties at once (used when a job restores its request's context).</summary>
    public static IDisposable PushAll(IEnumerable<KeyValuePair<string, string>> properties)
    {
        var previous = Current.Value;
        Current.Value = (previous ?? ImmutableDictionary<string, string>.Empty).SetItems(properties);
        return new Scope(previous);
    }

    private sealed class Scope(ImmutableDictionary<string, string>? previous) : IDisposable
    {
        private bool disposed;

        public void Dispose()
        {
            if (disposed) return;
            disposed = true;
            Current.Value = previous;
        }
    }
}
