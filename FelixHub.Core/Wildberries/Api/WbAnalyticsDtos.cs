namespace FelixHub.Core.Wildberries.Api;

/// <summary>Body of <c>POST /api/analytics/v1/stocks-report/wb-warehouses</c>; no <c>nmIds</c> means every product.</summary>
public sealed record WbStocksRequest(IReadOnlyList<long>? NmIds, int Limit, int Offset);

public sealed record WbStocksResponse
{
    public WbStocksData? Data { get; init; }
}

public sealed record WbStocksData
{
    public List<WbStockItem> Items { get; init; } = [];
}

/// <summary>Stock of one size at one WB warehouse; goods travelling to or from clients are not on the shelf.</summary>
public sealed record WbStockItem
{
    public long NmId { get; init; }
    public long ChrtId { get; init; }
    public string? WarehouseName { get; init; }
    public int Quantity { get; init; }
    public int InWayToClient { get; init; }
    public int InWayFromClient { get; init; }
}
