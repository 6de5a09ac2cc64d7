namespace FelixHub.Core.Wildberries.Data;

/// <summary>An order as the statistics API reports it, one row per <c>srid</c> and cabinet.</summary>
public sealed class WbOrder
{
    public long Id { get; set; }
    public long CabinetId { get; set; }
    public required string Srid { get; set; }
    public string? GNumber { get; set; }
    public DateTimeOffset Date { get; set; }
    public DateTimeOffset LastChangeDate { get; set; }
    public long NmId { get; set; }
    public string? SupplierArticle { get; set; }
    public string? Barcode { get; set; }
    public string? TechSize { get; set; }
    public string? Category { get; set; }
    public string? Subject { get; set; }
    public string? Brand { get; set; }
    public string? WarehouseName { get; set; }
    public string? RegionName { get; set; }
    public string? OblastOkrugName { get; set; }
    public string? CountryName { get; set; }
    public decimal TotalPrice { get; set; }
    public int DiscountPercent { get; set; }
    public decimal Spp { get; set; }
    public decimal FinishedPrice { get; set; }
    public decimal PriceWithDisc { get; set; }
    public bool IsCancel { get; set; }
    public DateTimeOffset? CancelDate { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}
