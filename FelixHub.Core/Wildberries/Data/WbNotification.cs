namespace FelixHub.Core.Wildberries.Data;

/// <summary>
/// The outbox of WB notifications, sent in batches by its own dispatcher: written in the sync's transaction, one
/// row per user and event (unique), claimed in batches by the dispatch job with FOR UPDATE SKIP LOCKED.
/// </summary>
public sealed class WbNotification
{
    public long Id { get; set; }
    public long CabinetId { get; set; }
    public long TelegramId { get; set; }
    public required string EventType { get; set; }
    public required string EventKey { get; set; }

    /// <summary>The message in Telegram HTML (user values escaped).</summary>
    public required string Text { get; set; }

    public string? PhotoUrl { get; set; }

    /// <summary><c>pending</c>, <c>sent</c>, <c>failed</c> or <c>skipped</c> (the user switched the type off before it went out).</summary>
    public string Status { get; set; } = WbNotificationStatus.Pending;

    public int Attempts { get; set; }
    public DateTimeOffset NextAttemptAt { get; set; }
    public string? Error { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? SentAt { get; set; }
}

public static class WbNotificationStatus
{
    public const string Pending = "pending";
    public const string Sent = "sent";
    public const string Failed = "failed";
    public const string Skipped = "skipped";
}
