namespace FelixHub.Core.Delivery;

/// <summary>
/// One delivery attempt, as seed 000's <c>notification_logs</c>. A unique index on
/// <see cref="MessageHash"/> over the successful rows guarantees a message is sent at most once.
/// </summary>
public sealed class NotificationLog
{
    public long Id { get; set; }
    public required string NotificationType { get; set; }
    public int? OrderId { get; set; }
    public int? MechanicId { get; set; }
    public required string TelegramId { get; set; }
    public required string MessageHash { get; set; }
    public DateTimeOffset SentAt { get; set; }
    public bool Success { get; set; } = true;
    public string? ErrorMessage { get; set; }
}
