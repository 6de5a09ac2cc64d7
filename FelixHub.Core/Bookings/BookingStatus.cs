namespace FelixHub.Core.Bookings;

/// <summary>Stored as <c>active</c> / <c>cancelled</c>.</summary>
public enum BookingStatus
{
    Active,
    Cancelled,
}

public static class BookingStatusCodes
{
    public const string Active = "active";
    public const string Cancelled = "cancelled";

    public static string ToCode(this BookingStatus status) => status switch
    {
        BookingStatus.Active => Active,
        BookingStatus.Cancelled => Cancelled,
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    public static BookingStatus FromCode(string code) => code switch
    {
        Active => BookingStatus.Active,
        Cancelled => BookingStatus.Cancelled,
        _ => throw new ArgumentOutOfRangeException(nameof(code), code, "Unknown booking status."),
    };
}
