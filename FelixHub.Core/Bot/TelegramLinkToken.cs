namespace FelixHub.Core.Bot;

/// <summary>
/// A one-time link for a mechanic or a booking user (<c>telegram_link_tokens</c>; exactly one of
/// <see cref="MechanicId"/> and <see cref="UserId"/> is set). Only the SHA-256 of the token is stored;
/// the token itself exists only in the link the admin hands out.
/// </summary>
public sealed class TelegramLinkToken
{
    public long Id { get; set; }
    public int? MechanicId { get; set; }

    /// <summary>A booking user (<c>booking_users</c>), whose reminders go to the linked chat.</summary>
    public int? UserId { get; set; }

    public required string TokenHash { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    public DateTimeOffset? UsedAt { get; set; }

    /// <summary>The chat that used it (and became the mechanic's or the user's telegram_id).</summary>
    public string? UsedChatId { get; set; }
}
