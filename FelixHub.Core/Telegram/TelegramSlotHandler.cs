namespace FelixHub.Core.Telegram;

/// <summary>
/// The last check of a paced Bot API call, in the <c>telegram</c> HttpClient's handler chain, just before
/// its request leaves: a call that reaches this point more than half a slot after the bot's slot it waited
/// for (held up after its wait by a busy machine, a slow serialisation, a pooled connection) does not go on
/// that stale slot. It would land right next to the following slot's call, and a few of those within a
/// second are Telegram's 31st message and a 429. It waits for a fresh slot instead
/// (<see cref="ITelegramRateLimiter.FreshSlotIfLateAsync"/>).
/// </summary>
internal sealed class TelegramSlotHandler(ITelegramRateLimiter limiter) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (TelegramSlot.Current is { } slot)
            slot.Timestamp = await limiter.FreshSlotIfLateAsync(slot.Timestamp, slot.Priority, cancellationToken);
        return await base.SendAsync(request, cancellationToken);
    }
}

/// <summary>
/// The bot's slot of the call under way on this async flow (set by <see cref="TelegramSender"/> around one
/// attempt of a paced call; none for unpaced calls such as answering a button press).
/// </summary>
internal sealed class TelegramSlot(long timestamp, TelegramPriority priority)
{
    private static readonly AsyncLocal<TelegramSlot?> current = new();

    public static TelegramSlot? Current
    {
        get => current.Value;
        set => current.Value = value;
    }

    /// <summary>A <see cref="System.Diagnostics.Stopwatch"/> timestamp; 0 when the bot's budget is off.</summary>
    public long Timestamp { get; set; } = timestamp;

    public TelegramPriority Priority { get; } = priority;
}
