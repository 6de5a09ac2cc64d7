namespace FelixHub.Core.Orders;

/// <summary>One status change of an order: the unit a mechanic is notified about, and what metrics count.</summary>
public sealed class OrderStatusChange
{
    public long Id { get; set; }
    public int OrderId { get; set; }
    public Order? Order { get; set; }
    public required string OldStatus { get; set; }
    public required string NewStatus { get; set; }
    public DateTimeOffset ChangedAt { get; set; }
    public string? RequestId { get; set; }
}
