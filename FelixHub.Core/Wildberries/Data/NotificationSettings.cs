namespace FelixHub.Core.Wildberries.Data;

/// <summary>A user's switches (seed 003): a global one and one per event type, all on by default.</summary>
public sealed class NotificationSettings
{
    public long Id { get; set; }
    public long TelegramId { get; set; }
    public bool NotificationsEnabled { get; set; } = true;
    public bool NewOrdersEnabled { get; set; } = true;
    public bool OrderBuyoutsEnabled { get; set; } = true;
    public bool OrderCancellationsEnabled { get; set; } = true;
    public bool OrderReturnsEnabled { get; set; } = true;
    public bool NegativeReviewsEnabled { get; set; } = true;
    public bool CriticalStocksEnabled { get; set; } = true;
    public DateTimeOffset UpdatedAt { get; set; }
}
