namespace FelixHub.Core.Wildberries.Data;

/// <summary>A sale event: <c>S…</c> a buyout, <c>R…</c> a return (<see cref="Kind"/>).</summary>
public sealed class WbSale
{
    public long Id { get; set; }
    public long CabinetId { get; set; }
    public required string SaleId { get; set; }
    public string? Srid { get; set; }
    public string? GNumber { get; set; }
    public DateTimeOffset Date { get; set; }
    public DateTimeOffset LastChangeDate { get; set; }
    public long NmId { get; set; }
    public string? SupplierArticle { get; set; }
    public string? Barcode { get; set; }
    public string? TechSize { get; set; }
    public string? Subject { get; set; }
    public string? Brand { get; set; }
    public string? WarehouseName { get; set; }
    public string? RegionName { get; set; }
    public string? OblastOkrugName { get; set; }
    public string? CountryName { get; set; }
    public decimal TotalPrice { get; set; }
    public decimal PriceWithDisc { get; set; }
    public decimal FinishedPrice { get; set; }

    /// <summary>What the seller gets; WB may report 0 for up to a day.</summary>
    public decimal ForPay { get; set; }

    /// <summary><c>buyout</c>, <c>return</c> or <c>other</c>.</summary>
    public required string Kind { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}
