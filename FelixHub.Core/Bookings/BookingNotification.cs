namespace FelixHub.Core.Bookings;

/// <summary>
/// One reminder of a booking: a row of <c>booking_notifications</c> (seed 001's <c>notifications</c> table). At most one per
/// booking and type (a unique index), so planning or cancelling twice cannot duplicate one.
/// </summary>
public sealed class BookingNotification
{
    public long Id { get; set; }
    public int BookingId { get; set; }
    public Booking? Booking { get; set; }
    public int UserId { get; set; }
    public User? User { get; set; }
    public BookingNotificationType Type { get; set; }
    public BookingNotificationStatus Status { get; set; } = BookingNotificationStatus.Pending;

    /// <summary>When the reminder is meant to go out (planned once, never moved).</summary>
    public DateTimeOffset ScheduledAt { get; set; }

    /// <summary>
    /// When a dispatcher may pick the row up: for <c>PENDING</c>, <see cref="ScheduledAt"/> or later
    /// after a transient failure (backoff); for <c>PROCESSING</c>, the end of the claim's lease, after
    /// which another dispatcher may reclaim it. Null once the reminder is final.
    /// </summary>
    public DateTimeOffset? NextAttemptAt { get; set; }

    /// <summary>When the current (or last) claim was made.</summary>
    public DateTimeOffset? ClaimedAt { get; set; }

    /// <summary>Identifies the claim: only the dispatcher holding it may send and record the outcome.</summary>
    public Guid? ClaimToken { get; set; }

    /// <summary>How many times the reminder was claimed for sending.</summary>
    public int Attempts { get; set; }

    public DateTimeOffset? SentAt { get; set; }

    /// <summary>Telegram's id of the delivered message.</summary>
    public int? TelegramMessageId { get; set; }

    /// <summary>Why the last attempt failed (kept on a retry, final on <c>FAILED</c>).</summary>
    public string? Error { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
