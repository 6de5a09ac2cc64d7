namespace FelixHub.Core.Bookings;

/// <summary>A booking of a resource by a user (seed 001's <c>bookings</c>). Times are stored in UTC.</summary>
public sealed class Booking
{
    public int Id { get; set; }
    public int UserId { get; set; }
    public User? User { get; set; }
    public required string ResourceName { get; set; }
    public DateTimeOffset StartTime { get; set; }
    public DateTimeOffset EndTime { get; set; }
    public BookingStatus Status { get; set; } = BookingStatus.Active;
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? CancelledAt { get; set; }
}
