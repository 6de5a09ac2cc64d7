namespace FelixHub.Core.Delivery;

/// <summary>What one dispatch run did (also the result Hangfire shows for the run).</summary>
public sealed class DispatchSummary
{
    private int batches;
    private int claimed;
    private int sent;
    private int failed;
    private int retrying;
    private int skipped;
    private int deferred;

    public int Batches => batches;
    public int Claimed => claimed;
    public int Sent => sent;
    public int Failed => failed;
    public int Retrying => retrying;

    /// <summary>Handed back without an attempt because their chat was written to within its interval (or the run stopped).</summary>
    public int Deferred => deferred;

    /// <summary>Not sent and not failed: no longer this dispatcher's (cancelled or reclaimed meanwhile), too late, or withdrawn by its feature's rules.</summary>
    public int Skipped => skipped;

    internal void AddBatch(int count)
    {
        Interlocked.Increment(ref batches);
        Interlocked.Add(ref claimed, count);
    }

    internal void Add(DispatchOutcome outcome)
    {
        switch (outcome)
        {
            case DispatchOutcome.Sent: Interlocked.Increment(ref sent); break;
            case DispatchOutcome.Failed: Interlocked.Increment(ref failed); break;
            case DispatchOutcome.Retrying: Interlocked.Increment(ref retrying); break;
            case DispatchOutcome.Deferred: Interlocked.Increment(ref deferred); break;
            default: Interlocked.Increment(ref skipped); break;
        }
    }

    internal void Add(DispatchSummary other)
    {
        Interlocked.Add(ref batches, other.Batches);
        Interlocked.Add(ref claimed, other.Claimed);
        Interlocked.Add(ref sent, other.Sent);
        Interlocked.Add(ref failed, other.Failed);
        Interlocked.Add(ref retrying, other.Retrying);
        Interlocked.Add(ref deferred, other.Deferred);
        Interlocked.Add(ref skipped, other.Skipped);
    }

    public override string ToString() =>
        $"{Claimed} claimed in {Batches} batches: {Sent} sent, {Failed} failed, {Retrying} to retry, {Deferred} deferred, {Skipped} skipped";
}

internal enum DispatchOutcome
{
    Sent,
    Failed,
    Retrying,
    Deferred,
    Skipped,
}
