namespace FelixHub.Core.Bot;

/// <summary>
/// A one-time link for a mechanic (<c>mechanic_link_tokens</c>). Only the SHA-256 of the token is
/// stored; the token itself exists only in the link the admin hands out.
/// </summary>
public sealed class MechanicLinkToken
{
    public long Id { get; set; }
    public int MechanicId { get; set; }
    public required string TokenHash { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    public DateTimeOffset? UsedAt { get; set; }

    /// <summary>The chat that used it (and became the mechanic's telegram_id).</summary>
    public string? UsedChatId { get; set; }
}
