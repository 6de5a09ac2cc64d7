namespace FelixHub.Core.Wildberries.Data;

/// <summary>A user's switches (seed 003): a global one and one per event type, all on by default; and how each type arrives (issue 23: at once or in a digest).</summary>
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

    /// <summary>How each kind arrives (<see cref="Notifications.WbDigestModes"/>): at once, or in an hourly or daily digest.</summary>
    public string NewOrdersMode { get; set; } = Notifications.WbDigestModes.Immediate;
    public string OrderBuyoutsMode { get; set; } = Notifications.WbDigestModes.Immediate;
    public string OrderCancellationsMode { get; set; } = Notifications.WbDigestModes.Immediate;
    public string OrderReturnsMode { get; set; } = Notifications.WbDigestModes.Immediate;
    public string NegativeReviewsMode { get; set; } = Notifications.WbDigestModes.Immediate;
    public string CriticalStocksMode { get; set; } = Notifications.WbDigestModes.Immediate;

    /// <summary>When the daily digest goes out: local time in the user's time zone (<c>recipient_preferences.time_zone</c>, default Moscow).</summary>
    public TimeOnly DigestTime { get; set; } = Notifications.WbDigestModes.DefaultDailyTime;
    public DateTimeOffset UpdatedAt { get; set; }
}
