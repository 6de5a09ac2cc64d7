namespace FelixHub.Tests.Reliability;

/// <summary>
/// The fault tests (worker processes, 1,000-message batches, outages) run one after another, beside the
/// rest of the suite rather than against each other: on a 2-core machine their timing stays honest.
/// </summary>
[CollectionDefinition(Name)]
public sealed class FaultsCollection
{
    public const string Name = "Faults";
}
