namespace FelixHub.Core.Bookings;

/// <summary>When each reminder of a booking goes out, and when it is too late to send it.</summary>
public static class ReminderPlan
{
    /// <summary>The reminders planned when a booking is created (the cancellation notice is queued on cancel).</summary>
    public static IReadOnlyList<BookingNotificationType> Planned { get; } =
        [BookingNotificationType.Booking24H, BookingNotificationType.Booking1H, BookingNotificationType.BookingStart, BookingNotificationType.BookingEnd];

    /// <summary>How long after the end the «booking finished» message is still worth sending.</summary>
    public static readonly TimeSpan EndMessageGrace = TimeSpan.FromHours(1);

    public static DateTimeOffset ScheduledAt(BookingNotificationType type, DateTimeOffset start, DateTimeOffset end) => type switch
    {
        BookingNotificationType.Booking24H => start - TimeSpan.FromHours(24),
        BookingNotificationType.Booking1H => start - TimeSpan.FromHours(1),
        BookingNotificationType.BookingStart => start,
        BookingNotificationType.BookingEnd => end,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "The cancellation notice is scheduled when the booking is cancelled."),
    };

    /// <summary>
    /// After this moment the reminder would only confuse (a «starts in an hour» after the start, e.g.
    /// after an outage), so the dispatcher marks it <c>FAILED</c> instead of sending it. Null: never too late.
    /// </summary>
    public static DateTimeOffset? ExpiresAt(BookingNotificationType type, DateTimeOffset start, DateTimeOffset end) => type switch
    {
        BookingNotificationType.Booking24H or BookingNotificationType.Booking1H => start,
        BookingNotificationType.BookingStart => end,
        BookingNotificationType.BookingEnd => end + EndMessageGrace,
        _ => null,
    };

    /// <summary>The reminders of a booking created at <paramref name="now"/>: those whose time has passed are left out.</summary>
    public static IEnumerable<(BookingNotificationType Type, DateTimeOffset ScheduledAt)> For(DateTimeOffset start, DateTimeOffset end, DateTimeOffset now) =>
        Planned.Select(type => (type, ScheduledAt(type, start, end))).Where(r => r.Item2 >= now);
}
