namespace FelixHub.Core.Wildberries.Data;

/// <summary>
/// One WB event kept for a user's digest instead of being sent alone (<c>wb_digest_items</c>): what the
/// digest counts and sums. <see cref="DueAt"/> is the end of the period it belongs to; <see cref="DigestMessageId"/>
/// is the ledger message of the digest that included it, set in the transaction that wrote that message.
/// Unique per user and event key, as the ledger's messages are.
/// </summary>
public sealed class WbDigestItem
{
    public long Id { get; set; }
    public long TelegramId { get; set; }
    public long CabinetId { get; set; }
    public required string EventType { get; set; }
    public required string EventKey { get; set; }
    public long NmId { get; set; }
    public string? Product { get; set; }
    public string? Article { get; set; }

    /// <summary>Money of the event (an order's or sale's price), or null.</summary>
    public decimal? Amount { get; set; }

    /// <summary>A review's stars, or the units left of a critical stock.</summary>
    public int? Value { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset PeriodStart { get; set; }
    public DateTimeOffset DueAt { get; set; }
    public long? DigestMessageId { get; set; }
    public DateTimeOffset? DigestedAt { get; set; }
}
