using System.Text.Json.Serialization;
using FelixHub.Core.Common;
using FelixHub.Core.Delivery;

namespace FelixHub.Core.Bookings;

public sealed record CreateUserRequest([property: JsonConverter(typeof(TelegramIdJsonConverter))] string? TelegramId, string? Name);

/// <summary>Null leaves a field unchanged; an empty <c>telegramId</c> unlinks the user's Telegram chat.</summary>
public sealed record UpdateUserRequest(string? Name, [property: JsonConverter(typeof(TelegramIdJsonConverter))] string? TelegramId);

public sealed record UserResponse(int Id, string? TelegramId, string? Name, DateTimeOffset CreatedAt)
{
    public static UserResponse From(User u) => new(u.Id, u.TelegramId, u.Name, u.CreatedAt);
}

/// <summary>Times are ISO 8601 strings with an offset; they are bound as strings so a missing offset is a 400 naming the field.</summary>
public sealed record CreateBookingRequest(int? UserId, string? ResourceName, string? StartTime, string? EndTime);

/// <summary>One reminder of a booking: its message in the delivery ledger (<c>id</c> is the message's), state as seed 001 names it.</summary>
public sealed record BookingNotificationResponse(long Id, string Type, string Status, DateTimeOffset ScheduledAt, DateTimeOffset? SentAt, string? Error)
{
    public static BookingNotificationResponse From(DeliveryMessage m) =>
        new(m.Id, m.Kind, BookingNotificationStatusCodes.FromDeliveryState(m.State), m.DueAt, m.SentAt,
            m.State == DeliveryStates.Sent ? null : m.LastError);
}

public sealed record BookingResponse(
    int Id, int UserId, string ResourceName, DateTimeOffset StartTime, DateTimeOffset EndTime, string Status,
    DateTimeOffset CreatedAt, DateTimeOffset? CancelledAt, IReadOnlyList<BookingNotificationResponse> Notifications)
{
    public static BookingResponse From(Booking b, IReadOnlyList<BookingNotificationResponse> reminders) =>
        new(b.Id, b.UserId, b.ResourceName, b.StartTime, b.EndTime, b.Status.ToCode(), b.CreatedAt, b.CancelledAt, reminders);
}
