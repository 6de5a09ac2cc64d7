namespace FelixHub.Core.Bookings;

/// <summary>
/// A reminder's life: <c>PENDING → PROCESSING → SENT | FAILED</c>; a transient failure goes back to
/// <c>PENDING</c> with a backoff; cancelling the booking moves what has not gone out to <c>CANCELLED</c>.
/// </summary>
public enum BookingNotificationStatus
{
    Pending,
    Processing,
    Sent,
    Failed,
    Cancelled,
}

public static class BookingNotificationStatusCodes
{
    public const string Pending = "PENDING";
    public const string Processing = "PROCESSING";
    public const string Sent = "SENT";
    public const string Failed = "FAILED";
    public const string Cancelled = "CANCELLED";

    public static string ToCode(this BookingNotificationStatus status) => status switch
    {
        BookingNotificationStatus.Pending => Pending,
        BookingNotificationStatus.Processing => Processing,
        BookingNotificationStatus.Sent => Sent,
        BookingNotificationStatus.Failed => Failed,
        BookingNotificationStatus.Cancelled => Cancelled,
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    public static BookingNotificationStatus FromCode(string code) => code switch
    {
        Pending => BookingNotificationStatus.Pending,
        Processing => BookingNotificationStatus.Processing,
        Sent => BookingNotificationStatus.Sent,
        Failed => BookingNotificationStatus.Failed,
        Cancelled => BookingNotificationStatus.Cancelled,
        _ => throw new ArgumentOutOfRangeException(nameof(code), code, "Unknown booking notification status."),
    };
}
