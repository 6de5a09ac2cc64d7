namespace FelixHub.Core.Telegram;

/// <summary>
/// A token for a call that is already on its way to Telegram: it is cancelled only
/// <see cref="Grace"/> after the caller's token. A stop request cancelling a send whose message Telegram
/// has already accepted would leave it unrecorded, and the job would send it again after the restart;
/// the grace lets such a send finish (it takes milliseconds) while a hung one still ends.
/// </summary>
public sealed class InFlightGrace : IDisposable
{
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(1);

    private readonly CancellationTokenSource source = new();
    private readonly CancellationTokenRegistration registration;

    public InFlightGrace(CancellationToken stop)
    {
        registration = stop.Register(static s => ((CancellationTokenSource)s!).CancelAfter(Grace), source);
    }

    public CancellationToken Token => source.Token;

    public void Dispose()
    {
        registration.Dispose();
        source.Dispose();
    }
}
