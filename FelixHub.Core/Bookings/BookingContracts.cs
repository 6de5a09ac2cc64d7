namespace FelixHub.Core.Bookings;

public sealed record CreateUserRequest(string? TelegramId, string? Name);

public sealed record UserResponse(int Id, string? TelegramId, string? Name, DateTimeOffset CreatedAt)
{
    public static UserResponse From(User u) => new(u.Id, u.TelegramId, u.Name, u.CreatedAt);
}

/// <summary>Times are ISO 8601 strings with an offset; they are bound as strings so a missing offset is a 400 naming the field.</summary>
public sealed record CreateBookingRequest(int? UserId, string? ResourceName, string? StartTime, string? EndTime);

public sealed record BookingNotificationResponse(long Id, string Type, string Status, DateTimeOffset ScheduledAt, DateTimeOffset? SentAt, string? Error)
{
    public static BookingNotificationResponse From(BookingNotification n) =>
        new(n.Id, n.Type.ToCode(), n.Status.ToCode(), n.ScheduledAt, n.SentAt, n.Error);
}

public sealed record BookingResponse(
    int Id, int UserId, string ResourceName, DateTimeOffset StartTime, DateTimeOffset EndTime, string Status,
    DateTimeOffset CreatedAt, DateTimeOffset? CancelledAt, IReadOnlyList<BookingNotificationResponse> Notifications)
{
    public static BookingResponse From(Booking b) =>
        new(b.Id, b.UserId, b.ResourceName, b.StartTime, b.EndTime, b.Status.ToCode(), b.CreatedAt, b.CancelledAt,
            b.Notifications.OrderBy(n => n.ScheduledAt).ThenBy(n => n.Id).Select(BookingNotificationResponse.From).ToList());
}
