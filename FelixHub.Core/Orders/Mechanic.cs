namespace FelixHub.Core.Orders;

public sealed class Mechanic
{
    public int Id { get; set; }
    public required string Name { get; set; }

    /// <summary>The mechanic's Telegram chat id; null until they link their account.</summary>
    public string? TelegramId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>
    /// False once the mechanic is deactivated (<c>PATCH /api/mechanics/{id}</c> with <c>active: false</c>):
    /// they get no more notifications, no new Telegram links and no new orders; their history stays.
    /// </summary>
    public bool Active { get; set; } = true;

    /// <summary>When they were deactivated; null while active.</summary>
    public DateTimeOffset? DeactivatedAt { get; set; }
}
