namespace FelixHub.Core.Delivery;

/// <summary>
/// One dispatch run at a time per process: a run that finds another going does not compete with it for
/// the same rows; it leaves a request instead, and the run going on makes one more pass before it ends,
/// so messages written meanwhile (whose writer started that run) do not wait for the next tick. Runs on
/// different replicas do overlap, by design: they share the work through <c>FOR UPDATE SKIP LOCKED</c>.
/// </summary>
public sealed class DeliveryDispatchGate
{
    private int running;
    private int requested;

    /// <summary>Enters, or — when a run is going — leaves a request for one more pass and returns false.</summary>
    public bool TryEnter()
    {
        if (Interlocked.CompareExchange(ref running, 1, 0) == 0)
        {
            Interlocked.Exchange(ref requested, 0);
            return true;
        }
        Interlocked.Exchange(ref requested, 1);
        return false;
    }

    /// <summary>For the run inside: whether another asked for a pass since this one started (and takes the request).</summary>
    public bool TakeRequest() => Interlocked.Exchange(ref requested, 0) == 1;

    /// <summary>
    /// Leaves. Returns true when a request came in after the last <see cref="TakeRequest"/>: the caller
    /// should try to enter again and make that pass (unless another run got in first).
    /// </summary>
    public bool Exit()
    {
        Interlocked.Exchange(ref running, 0);
        return Volatile.Read(ref requested) == 1;
    }
}
