namespace FelixHub.Core.Orders;

public sealed class Mechanic
{
    public int Id { get; set; }
    public required string Name { get; set; }

    /// <summary>The mechanic's Telegram chat id; null until they link their account.</summary>
    public string? TelegramId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
