namespace FelixHub.Core.Wildberries.Data;

/// <summary>A WB notification that was delivered; unique per user and event, as the seed's <c>NotificationHistory</c>.</summary>
public sealed class NotificationHistory
{
    public long Id { get; set; }
    public long TelegramId { get; set; }
    public required string EventKey { get; set; }
    public required string EventType { get; set; }
    public long? CabinetId { get; set; }
    public DateTimeOffset SentAt { get; set; }
}
