namespace FelixHub.Core.Delivery;

/// <summary>
/// One outgoing Telegram message in the delivery ledger (<c>delivery_messages</c>): written in the same
/// transaction as the change that causes it, then sent once by the pipeline. Its
/// <see cref="DedupKey"/> is unique, so the same cause can never produce the message twice.
/// </summary>
public sealed class DeliveryMessage
{
    public long Id { get; set; }

    /// <summary>What kind of message it is, as <c>notification_logs.notification_type</c> names it (<c>mechanic_status_change</c>, ...).</summary>
    public required string Kind { get; set; }

    /// <summary>Identifies the message: the same event to the same recipient always has the same key.</summary>
    public required string DedupKey { get; set; }

    /// <summary>The recipient's Telegram chat; null when there is nobody to send to (the message is then <c>skipped</c>).</summary>
    public string? ChatId { get; set; }

    /// <summary>The text as sent (Telegram HTML).</summary>
    public required string Text { get; set; }

    public string ParseMode { get; set; } = "HTML";

    /// <summary>Telegram's <c>reply_markup</c> as JSON (an inline keyboard), if any.</summary>
    public string? ReplyMarkup { get; set; }

    /// <summary>A photo to send with <see cref="Text"/> as its caption, if any.</summary>
    public string? PhotoUrl { get; set; }

    /// <summary>The business reference: the order (and its mechanic), booking or WB cabinet the message is about.</summary>
    public int? OrderId { get; set; }
    public int? MechanicId { get; set; }
    public int? BookingId { get; set; }
    public long? CabinetId { get; set; }

    /// <summary>The cause's own key within its feature, when it has one (a WB event's key).</summary>
    public string? EventKey { get; set; }

    /// <summary>One of <see cref="DeliveryStates"/>.</summary>
    public string State { get; set; } = DeliveryStates.Pending;

    /// <summary>
    /// How many attempts to deliver it ended with an outcome that counts (sent, refused, a transient failure);
    /// a 429, a hand-back and a claim cut off by a crash do not count.
    /// </summary>
    public int Attempts { get; set; }

    /// <summary>
    /// Dispatch path: claims in a row that ended without any recorded outcome (the dispatcher was killed or
    /// crashed while holding it), the current one included; any recorded outcome sets it back to 0. More
    /// than <c>Delivery:MaxAttempts</c> of them is a crash loop: the message becomes a dead letter.
    /// </summary>
    public int UnrecordedClaims { get; set; }

    public string? LastError { get; set; }

    /// <summary>When it is meant to go out (now, or a reminder's time): fixed when it is written.</summary>
    public DateTimeOffset DueAt { get; set; }

    /// <summary>
    /// For a message of the dispatch path (scheduled or bulk, no job of its own): when a dispatcher may
    /// pick it up next — <see cref="DueAt"/> at first, later after a retry's backoff or, while it is
    /// <c>sending</c>, the end of the claim's lease (a crashed dispatcher's claim runs out). Null for a
    /// message sent by its own job and for every final message.
    /// </summary>
    public DateTimeOffset? NextAttemptAt { get; set; }

    /// <summary>The dispatcher's claim: only its holder may send the message and record the outcome.</summary>
    public Guid? ClaimToken { get; set; }

    /// <summary>After this moment the message would only confuse (a reminder after its event): not sent, <c>skipped</c>.</summary>
    public DateTimeOffset? ExpiresAt { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>When Telegram accepted it.</summary>
    public DateTimeOffset? SentAt { get; set; }

    /// <summary>When it reached a final state (sent, failed, skipped, cancelled): what rates and alerts count by.</summary>
    public DateTimeOffset? FinishedAt { get; set; }

    /// <summary>Telegram's <c>message_id</c> of the delivered message.</summary>
    public int? TelegramMessageId { get; set; }

    /// <summary>The Hangfire job that sends it (messages due now have one each).</summary>
    public string? JobId { get; set; }

    /// <summary>The API request that caused it, for tracing a message back to its call.</summary>
    public string? RequestId { get; set; }
}
