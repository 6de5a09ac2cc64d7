namespace FelixHub.Core.Bookings;

/// <summary>
/// One dispatch run at a time per process: a run that finds another still draining the backlog skips
/// (it would only compete for the same rows). Runs on different replicas do overlap, by design: they
/// share the work through <c>FOR UPDATE SKIP LOCKED</c>.
/// </summary>
public sealed class BookingDispatchGate : IDisposable
{
    private readonly SemaphoreSlim semaphore = new(1, 1);

    public bool TryEnter() => semaphore.Wait(0);

    public void Exit() => semaphore.Release();

    public void Dispose() => semaphore.Dispose();
}
