using System.Collections.Concurrent;
using Polly.CircuitBreaker;

namespace FelixHub.Core.Monitoring;

/// <summary>Declares a breaker so it is reported from start-up, before its pipeline is first used.</summary>
public sealed record CircuitBreakerName(string Name);

/// <summary>One breaker's state as ops see it.</summary>
public sealed record CircuitBreakerStatus(string Name, string State, DateTimeOffset? OpenedAt, DateTimeOffset? LastChangedAt, string? LastFailure);

/// <summary>
/// Every circuit breaker in this process (Telegram, each WB host), registered by the pipeline that
/// owns it, with Polly's state provider and the time of its last transition.
/// </summary>
public sealed class CircuitBreakers
{
    private readonly ConcurrentDictionary<string, Entry> entries = new(StringComparer.Ordinal);
    private readonly TimeProvider time;

    /// <summary>Breakers named by <see cref="CircuitBreakerName"/> registrations are listed (closed) before their first call.</summary>
    public CircuitBreakers(TimeProvider time, IEnumerable<CircuitBreakerName> declared)
    {
        this.time = time;
        foreach (var name in declared)
        {
            entries.TryAdd(name.Name, new Entry());
            FelixHubMetrics.BreakerClosed(name.Name);
        }
    }

    /// <summary>
    /// Wires a breaker being built into the registry: a fresh state provider (Polly allows one per
    /// breaker, and a pipeline is rebuilt when its options reload) and the transition callbacks.
    /// </summary>
    public void Attach(string name, CircuitBreakerStrategyOptions options)
    {
        var entry = entries.GetOrAdd(name, _ => new Entry());
        var provider = new CircuitBreakerStateProvider();
        entry.Provider = provider;
        options.StateProvider = provider;
        options.OnOpened = args =>
        {
            entry.OpenedAt = entry.LastChangedAt = time.GetUtcNow();
            entry.LastFailure = args.Outcome.Exception?.Message;
            FelixHubMetrics.BreakerOpened(name);
            return ValueTask.CompletedTask;
        };
        options.OnHalfOpened = _ =>
        {
            entry.LastChangedAt = time.GetUtcNow();
            FelixHubMetrics.BreakerHalfOpened(name);
            return ValueTask.CompletedTask;
        };
        options.OnClosed = _ =>
        {
            entry.OpenedAt = null;
            entry.LastChangedAt = time.GetUtcNow();
            FelixHubMetrics.BreakerClosed(name);
            return ValueTask.CompletedTask;
        };
    }

    public IReadOnlyList<CircuitBreakerStatus> All() =>
        entries.OrderBy(e => e.Key, StringComparer.Ordinal)
            .Select(e => new CircuitBreakerStatus(e.Key, StateName(e.Value.Provider), e.Value.OpenedAt, e.Value.LastChangedAt, e.Value.LastFailure))
            .ToList();

    private static string StateName(CircuitBreakerStateProvider provider)
    {
        try
        {
            return provider.CircuitState switch
            {
                CircuitState.Closed => "closed",
                CircuitState.HalfOpen => "half-open",
                CircuitState.Open => "open",
                CircuitState.Isolated => "isolated",
                _ => "unknown",
            };
        }
        catch (InvalidOperationException)
        {
            // The pipeline has not been built yet: no call went through it.
            return "closed";
        }
    }

    private sealed class Entry
    {
        public CircuitBreakerStateProvider Provider { get; set; } = new();
        public DateTimeOffset? OpenedAt { get; set; }
        public DateTimeOffset? LastChangedAt { get; set; }
        public string? LastFailure { get; set; }
    }
}
