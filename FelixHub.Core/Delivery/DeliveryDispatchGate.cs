namespace FelixHub.Core.Delivery;

/// <summary>
/// One dispatch run at a time per process: a run that finds another going does not compete with it for
/// the same rows; it leaves a request instead, and the run going on makes one more pass before it ends,
/// so messages written meanwhile (whose writer started that run) do not wait for the next tick. Runs on
/// different replicas do overlap, by design: they share the work through <c>FOR UPDATE SKIP LOCKED</c>.
/// The runs of <see cref="DeliveryDispatchJob"/> and the passes of <see cref="DeliveryWaker"/> go through
/// the same gate (<see cref="RunAsync"/>).
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

    /// <summary>
    /// Runs <paramref name="pass"/> inside the gate, once more for every request left meanwhile, until
    /// <paramref name="maxClaimed"/> messages were claimed. Null when another run is going in this process
    /// (it got the request and makes the pass instead).
    /// </summary>
    public async Task<DispatchSummary?> RunAsync(Func<Task<DispatchSummary>> pass, int maxClaimed)
    {
        ArgumentNullException.ThrowIfNull(pass);
        if (!TryEnter()) return null;
        var summary = new DispatchSummary();
        while (true)
        {
            bool requestedMeanwhile;
            try
            {
                do
                {
                    summary.Add(await pass());
                } while (TakeRequest() && summary.Claimed < maxClaimed);
            }
            finally
            {
                requestedMeanwhile = Exit();
            }
            // A request that came in between the last pass and leaving: take it, unless another run got in first.
            if (!requestedMeanwhile || summary.Claimed >= maxClaimed || !TryEnter()) break;
        }
        return summary;
    }
}
