namespace FelixHub.Core.Bookings;

/// <summary>Someone who books resources (<c>booking_users</c>; seed 001 calls the table <c>users</c>). Reminders go to <see cref="TelegramId"/>.</summary>
public sealed class User
{
    public int Id { get; set; }

    /// <summary>The user's Telegram chat id; null until they link Telegram (their reminders then fail with a reason).</summary>
    public string? TelegramId { get; set; }

    public string? Name { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
