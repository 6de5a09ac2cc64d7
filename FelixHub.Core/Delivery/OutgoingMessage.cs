namespace FelixHub.Core.Delivery;

/// <summary>
/// A message a feature hands to the pipeline (<see cref="DeliveryOutbox.WriteAsync"/>): who gets what,
/// and why. <paramref name="DedupKey"/> names the cause and the recipient (see <see cref="MessageHash"/>);
/// <paramref name="ChatId"/> null means there is nobody to send to, recorded as skipped with <see cref="SkipReason"/>.
/// </summary>
public sealed record OutgoingMessage(string Kind, string DedupKey, string? ChatId, string Text)
{
    public int? OrderId { get; init; }
    public int? MechanicId { get; init; }
    public int? BookingId { get; init; }
    public long? CabinetId { get; init; }

    /// <summary>The cause's own key within its feature (a WB event's key), kept with the message.</summary>
    public string? EventKey { get; init; }

    /// <summary>Telegram's <c>reply_markup</c> as JSON (an inline keyboard).</summary>
    public string? ReplyMarkup { get; init; }

    /// <summary>A photo to send with the text as its caption (the text alone when it is too long for a caption or the photo is refused).</summary>
    public string? PhotoUrl { get; init; }

    /// <summary>When it is meant to go out; null: now. A future time puts it on the dispatch path.</summary>
    public DateTimeOffset? DueAt { get; init; }

    /// <summary>After this moment it is not sent any more (<c>skipped</c>, "too late").</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>
    /// One of many written at once (a sync's events): sent by the dispatcher in batches on the bulk path
    /// rather than by a job of its own.
    /// </summary>
    public bool Bulk { get; init; }

    /// <summary>
    /// Its feature names the recipient when the message is sent (<see cref="IDeliveryHooks.RecipientsAsync"/>),
    /// not now: <see cref="ChatId"/> is who it would go to today, possibly nobody yet. Dispatch path only.
    /// </summary>
    public bool RecipientAtSend { get; init; }

    /// <summary>Sent by a job of its own (due now, not bulk), rather than by the dispatcher.</summary>
    public bool HasOwnJob => ChatId is not null && DueAt is null && !Bulk && !RecipientAtSend;

    /// <summary>Written without a recipient and nobody will name one: recorded <c>skipped</c> at once.</summary>
    public bool IsSkipped => ChatId is null && !RecipientAtSend;

    /// <summary>Why the message is not sent (with no <see cref="ChatId"/>), as the attempt log records it.</summary>
    public string? SkipReason { get; init; }
}
