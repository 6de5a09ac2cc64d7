namespace FelixHub.Core.Wildberries.Api;

/// <summary><c>GET /ping</c>: <c>{"TS": "...", "Status": "OK"}</c>.</summary>
public sealed record WbPing(string? Ts, string? Status);

/// <summary>One row of <c>/api/v1/supplier/orders</c> (only the fields FelixHub uses).</summary>
public sealed record WbOrderRow
{
    public WbDate Date { get; init; }
    public WbDate LastChangeDate { get; init; }
    public string? WarehouseName { get; init; }
    public string? CountryName { get; init; }
    public string? OblastOkrugName { get; init; }
    public string? RegionName { get; init; }
    public string? SupplierArticle { get; init; }
    public long NmId { get; init; }
    public string? Barcode { get; init; }
    public string? Category { get; init; }
    public string? Subject { get; init; }
    public string? Brand { get; init; }
    public string? TechSize { get; init; }
    public decimal TotalPrice { get; init; }
    public int DiscountPercent { get; init; }
    public decimal Spp { get; init; }
    public decimal FinishedPrice { get; init; }
    public decimal PriceWithDisc { get; init; }
    public bool IsCancel { get; init; }
    public WbDate CancelDate { get; init; }
    public string? GNumber { get; init; }
    public string? Sticker { get; init; }
    public string Srid { get; init; } = "";
}

/// <summary>One row of <c>/api/v1/supplier/sales</c>: <c>saleID</c> starting with S is a buyout, R a return.</summary>
public sealed record WbSaleRow
{
    public WbDate Date { get; init; }
    public WbDate LastChangeDate { get; init; }
    public string? WarehouseName { get; init; }
    public string? CountryName { get; init; }
    public string? OblastOkrugName { get; init; }
    public string? RegionName { get; init; }
    public string? SupplierArticle { get; init; }
    public long NmId { get; init; }
    public string? Barcode { get; init; }
    public string? Category { get; init; }
    public string? Subject { get; init; }
    public string? Brand { get; init; }
    public string? TechSize { get; init; }
    public decimal TotalPrice { get; init; }
    public int DiscountPercent { get; init; }
    public decimal Spp { get; init; }
    public decimal ForPay { get; init; }
    public decimal FinishedPrice { get; init; }
    public decimal PriceWithDisc { get; init; }
    public string SaleId { get; init; } = "";
    public string? GNumber { get; init; }
    public string? Srid { get; init; }
}
