namespace FelixHub.Core.Bookings;

/// <summary>The reminders of a booking (seed 001), stored as <c>BOOKING_24H</c>, <c>BOOKING_1H</c>, ...</summary>
public enum BookingNotificationType
{
    /// <summary>24 hours before the start.</summary>
    Booking24H,

    /// <summary>1 hour before the start.</summary>
    Booking1H,

    /// <summary>At the start.</summary>
    BookingStart,

    /// <summary>At the end.</summary>
    BookingEnd,

    /// <summary>When the booking is cancelled.</summary>
    BookingCancel,
}

public static class BookingNotificationTypeCodes
{
    public const string Booking24H = "BOOKING_24H";
    public const string Booking1H = "BOOKING_1H";
    public const string BookingStart = "BOOKING_START";
    public const string BookingEnd = "BOOKING_END";
    public const string BookingCancel = "BOOKING_CANCEL";

    /// <summary>Every kind of message a booking has in the delivery ledger.</summary>
    public static readonly string[] All = [Booking24H, Booking1H, BookingStart, BookingEnd, BookingCancel];

    public static string ToCode(this BookingNotificationType type) => type switch
    {
        BookingNotificationType.Booking24H => Booking24H,
        BookingNotificationType.Booking1H => Booking1H,
        BookingNotificationType.BookingStart => BookingStart,
        BookingNotificationType.BookingEnd => BookingEnd,
        BookingNotificationType.BookingCancel => BookingCancel,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    public static BookingNotificationType FromCode(string code) => code switch
    {
        Booking24H => BookingNotificationType.Booking24H,
        Booking1H => BookingNotificationType.Booking1H,
        BookingStart => BookingNotificationType.BookingStart,
        BookingEnd => BookingNotificationType.BookingEnd,
        BookingCancel => BookingNotificationType.BookingCancel,
        _ => throw new ArgumentOutOfRangeException(nameof(code), code, "Unknown booking notification type."),
    };
}
