namespace FelixHub.Core.Wildberries.Data;

/// <summary>The last stock snapshot: one size of one product at one WB warehouse.</summary>
public sealed class WbStock
{
    public long Id { get; set; }
    public long CabinetId { get; set; }
    public long NmId { get; set; }
    public long ChrtId { get; set; }
    public required string WarehouseName { get; set; }

    /// <summary>On the shelf; this is what the critical-stock check adds up.</summary>
    public int Quantity { get; set; }

    public int InWayToClient { get; set; }
    public int InWayFromClient { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}
