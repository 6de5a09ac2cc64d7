namespace FelixHub.Tests.Reliability;

/// <summary>
/// The fault tests (worker processes, 1,000-message batches, outages) run one after another, and only
/// after the rest of the suite: on a 2-core machine they would otherwise starve the timing-sensitive
/// tests (slow WebSocket clients, rate limits) and be starved by them.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FaultsCollection
{
    public const string Name = "Faults";
}
