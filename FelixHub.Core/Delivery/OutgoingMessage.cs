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

    /// <summary>Telegram's <c>reply_markup</c> as JSON (an inline keyboard).</summary>
    public string? ReplyMarkup { get; init; }

    /// <summary>Why the message is not sent (with no <see cref="ChatId"/>), as the attempt log records it.</summary>
    public string? SkipReason { get; init; }
}
