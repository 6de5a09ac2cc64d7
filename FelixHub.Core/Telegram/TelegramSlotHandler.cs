using FelixHub.Core.Monitoring;

namespace FelixHub.Core.Telegram;

/// <summary>
/// The last check of a paced Bot API call, in the <c>telegram</c> HttpClient's handler chain, just before
/// its request leaves: a call that reaches this point more than half a slot after the bot's slot it waited
/// for (held up after its wait by a busy machine, a slow serialisation, a pooled connection) does not go on
/// that stale slot. It would land right next to the following slot's call, and a few of those within a
/// second are Telegram's 31st message and a 429. The request is not sent: <see cref="TelegramSlotMissedException"/>
/// tells <see cref="TelegramSender"/> to wait for a fresh slot and make the call again. That wait happens
/// outside the per-call timeout, which covers the HTTP call alone.
/// </summary>
internal sealed class TelegramSlotHandler(ITelegramRateLimiter limiter) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (TelegramSlot.Current is { Final: false } slot && limiter.IsLate(slot.Timestamp))
        {
            FelixHubMetrics.TelegramLateSlot();
            throw new TelegramSlotMissedException();
        }
        return base.SendAsync(request, cancellationToken);
    }
}

/// <summary>
/// The bot's slot of the call under way on this async flow (set by <see cref="TelegramSender"/> around one
/// attempt of a paced call; none for unpaced calls such as answering a button press).
/// </summary>
internal sealed record TelegramSlot(long Timestamp, bool Final)
{
    private static readonly AsyncLocal<TelegramSlot?> current = new();

    public static TelegramSlot? Current
    {
        get => current.Value;
        set => current.Value = value;
    }
}

/// <summary>The call reached the wire too late for its slot and was not sent (<see cref="TelegramSlotHandler"/>).</summary>
internal sealed class TelegramSlotMissedException() : Exception("The Bot API call was too late for its slot of the bot's budget and was not sent");
