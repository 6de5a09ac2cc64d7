using System.Collections.Concurrent;
using Polly.CircuitBreaker;

namespace FelixHub.Core.Monitoring;

/// <summary>Declares a breaker so it is reported from start-up, before its pipeline is first used.</summary>
public sealed record CircuitBreakerName(string Name);

/// <summary>One breaker's state as ops see it.</summary>
public sealed record CircuitBreakerStatus(string Name, string State, DateTimeOffset? OpenedAt, DateTimeOffset? LastChangedAt, string? LastFailure);

/// <summary>
/// Every circuit breaker in this process (Telegram, each WB host). The state is tracked from the
/// breaker's own transition callbacks, which only the pipeline actually in use fires — so a pipeline
/// that Polly happened to build twice on a concurrent first use cannot confuse it.
/// </summary>
public sealed class CircuitBreakers
{
    private readonly ConcurrentDictionary<string, Entry> entries = new(StringComparer.Ordinal);
    private readonly TimeProvider time;

    public CircuitBreakers(TimeProvider time, IEnumerable<CircuitBreakerName> declared)
    {
        this.time = time;
        foreach (var name in declared)
        {
            entries.TryAdd(name.Name, new Entry());
            FelixHubMetrics.BreakerDeclared(name.Name);
        }
    }

    /// <summary>Wires the transition callbacks of a breaker being built into the registry.</summary>
    public void Attach(string name, CircuitBreakerStrategyOptions options)
    {
        var entry = entries.GetOrAdd(name, _ => new Entry());
        options.OnOpened = args =>
        {
            entry.Set("open", time.GetUtcNow(), args.Outcome.Exception?.Message);
            FelixHubMetrics.BreakerOpened(name);
            return ValueTask.CompletedTask;
        };
        options.OnHalfOpened = _ =>
        {
            entry.Set("half-open", time.GetUtcNow());
            FelixHubMetrics.BreakerHalfOpened(name);
            return ValueTask.CompletedTask;
        };
        options.OnClosed = _ =>
        {
            entry.Set("closed", time.GetUtcNow());
            FelixHubMetrics.BreakerClosed(name);
            return ValueTask.CompletedTask;
        };
    }

    public IReadOnlyList<CircuitBreakerStatus> All() =>
        entries.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => e.Value.Status(e.Key)).ToList();

    private sealed class Entry
    {
        private readonly object gate = new();
        private string state = "closed";
        private DateTimeOffset? openedAt;
        private DateTimeOffset? lastChangedAt;
        private string? lastFailure;

        public void Set(string newState, DateTimeOffset at, string? failure = null)
        {
            lock (gate)
            {
                state = newState;
                lastChangedAt = at;
                if (newState == "open")
                {
                    openedAt = at;
                    lastFailure = failure;
                }
                else if (newState == "closed")
                {
                    openedAt = null;
                }
            }
        }

        public CircuitBreakerStatus Status(string name)
        {
            lock (gate) return new CircuitBreakerStatus(name, state, openedAt, lastChangedAt, lastFailure);
        }
    }
}
