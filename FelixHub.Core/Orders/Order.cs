namespace FelixHub.Core.Orders;

public sealed class Order
{
    public int Id { get; set; }
    public required string CarNumber { get; set; }
    public required string Category { get; set; }
    public List<string> Parts { get; set; } = [];
    public string Status { get; set; } = OrderStatus.New;
    public int? AssignedMechanicId { get; set; }
    public Mechanic? AssignedMechanic { get; set; }

    /// <summary>The customer's Telegram chat id, when they want to hear about their order; null otherwise.</summary>
    public string? CustomerTelegramId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>When the order entered its current status (the stuck-order check reads it).</summary>
    public DateTimeOffset StatusChangedAt { get; set; }
}
