using Refit;

namespace FelixHub.Core.Wildberries.Api;

// One Refit client per WB host. The token goes in the Authorization header as it is (no "Bearer"),
// per call, because one worker serves many cabinets.

/// <summary><c>statistics-api.wildberries.ru</c>.</summary>
public interface IWbStatisticsApi
{
    [Get("/ping")]
    Task<WbPing> PingAsync([Header("Authorization")] string token, CancellationToken cancellationToken);

    /// <summary>Orders whose <c>lastChangeDate</c> ≥ <paramref name="dateFrom"/> (Moscow time, no offset) with <c>flag=0</c>.</summary>
    [Get("/api/v1/supplier/orders")]
    Task<List<WbOrderRow>> GetOrdersAsync([Header("Authorization")] string token, string dateFrom, int flag, CancellationToken cancellationToken);

    /// <summary>Sales and returns whose <c>lastChangeDate</c> ≥ <paramref name="dateFrom"/> with <c>flag=0</c>.</summary>
    [Get("/api/v1/supplier/sales")]
    Task<List<WbSaleRow>> GetSalesAsync([Header("Authorization")] string token, string dateFrom, int flag, CancellationToken cancellationToken);

    /// <summary>
    /// <see cref="GetOrdersAsync"/> as an open body (a page can hold 80,000 rows): the sync reads it row by row
    /// (<see cref="WbJson.ReadRowsAsync{T}"/>) and writes it in batches instead of holding the whole page.
    /// Error statuses still throw <see cref="ApiException"/> before any row is read.
    /// </summary>
    [Get("/api/v1/supplier/orders")]
    Task<Stream> StreamOrdersAsync([Header("Authorization")] string token, string dateFrom, int flag, CancellationToken cancellationToken);

    /// <summary><see cref="GetSalesAsync"/> as an open body, read as <see cref="StreamOrdersAsync"/> is.</summary>
    [Get("/api/v1/supplier/sales")]
    Task<Stream> StreamSalesAsync([Header("Authorization")] string token, string dateFrom, int flag, CancellationToken cancellationToken);
}

/// <summary><c>feedbacks-api.wildberries.ru</c>.</summary>
public interface IWbFeedbacksApi
{
    /// <summary><paramref name="dateFrom"/> in Unix seconds; <paramref name="order"/> <c>dateAsc</c> walks forward in time.</summary>
    [Get("/api/v1/feedbacks")]
    Task<WbFeedbacksEnvelope> GetFeedbacksAsync([Header("Authorization")] string token, bool isAnswered, int take, int skip, long dateFrom, string order, CancellationToken cancellationToken);
}

/// <summary><c>seller-analytics-api.wildberries.ru</c>.</summary>
public interface IWbAnalyticsApi
{
    [Post("/api/analytics/v1/stocks-report/wb-warehouses")]
    Task<WbStocksResponse> GetWarehouseStocksAsync([Header("Authorization")] string token, [Body] WbStocksRequest request, CancellationToken cancellationToken);
}

/// <summary><c>content-api.wildberries.ru</c>.</summary>
public interface IWbContentApi
{
    [Post("/content/v2/get/cards/list")]
    Task<WbCardsResponse> GetCardsAsync([Header("Authorization")] string token, [Body] WbCardsRequest request, CancellationToken cancellationToken);
}
