using System.Globalization;
using FelixHub.Core.Wildberries.Api;
using FelixHub.Core.Wildberries.Notifications;

namespace FelixHub.Core.Wildberries.Sync;

/// <summary>
/// Turns what an upsert changed into events. Only rows the database reports as inserted or changed
/// count, so a boundary row read twice, or a page read again after a failure, yields nothing.
/// Rows older than the cabinet's loaded history (e.g. an old order whose lastChangeDate moved) are
/// not news: they fill the tables without notifying. Nor is a row dated before the retention horizon
/// (<c>keptFrom</c>): its key may already have been deleted, and WB returning it again must not tell it twice.
/// </summary>
internal static class WbEventDetector
{
    public static List<WbEvent> FromOrders(IReadOnlyList<WbSyncStore.OrderChange> changes, IReadOnlyList<WbOrderRow> rows, IReadOnlyDictionary<long, WbProductInfo> products, DateTimeOffset historyFrom, DateTimeOffset keptFrom)
    {
        var latest = Latest(rows, r => r.Srid, r => r.LastChangeDate);
        var events = new List<WbEvent>();
        foreach (var change in changes)
        {
            if (!latest.TryGetValue(change.Srid, out var row) || !(row.Date.Utc >= keptFrom)) continue;
            var product = Product(products, row.NmId);
            var facts = new WbMessages.OrderFacts(row.Srid, row.NmId, row.SupplierArticle, row.WarehouseName, row.RegionName, row.OblastOkrugName,
                row.PriceWithDisc, row.FinishedPrice, row.Date.Utc ?? historyFrom, row.CancelDate.Utc);

            if (change.Inserted && row.Date.Utc >= historyFrom)
                events.Add(new WbEvent(WbEventType.NewOrder, "new_order:" + row.Srid, WbMessages.NewOrder(facts, product), product.ImageUrl)
                    { Fact = Fact(product, row.SupplierArticle, row.PriceWithDisc, null) });

            var cancelledNow = change.IsCancel && (change.WasCancel == false
                || (change.Inserted && (row.CancelDate.Utc ?? row.Date.Utc) >= historyFrom));
            if (cancelledNow)
                events.Add(new WbEvent(WbEventType.OrderCancellation, "order_cancellation:" + row.Srid, WbMessages.Cancellation(facts, product), product.ImageUrl)
                    { Fact = Fact(product, row.SupplierArticle, row.PriceWithDisc, null) });
        }
        return events;
    }

    public static List<WbEvent> FromSales(IReadOnlyList<WbSyncStore.SaleChange> changes, IReadOnlyList<WbSaleRow> rows, IReadOnlyDictionary<long, WbProductInfo> products, DateTimeOffset historyFrom, DateTimeOffset keptFrom)
    {
        var latest = Latest(rows, r => r.SaleId, r => r.LastChangeDate);
        var events = new List<WbEvent>();
        foreach (var change in changes.Where(c => c.Inserted))
        {
            if (!latest.TryGetValue(change.SaleId, out var row) || !(row.Date.Utc >= historyFrom) || !(row.Date.Utc >= keptFrom)) continue;
            var product = Product(products, row.NmId);
            var facts = new WbMessages.SaleFacts(row.SaleId, row.NmId, row.SupplierArticle, row.WarehouseName, row.RegionName, row.OblastOkrugName,
                row.PriceWithDisc, row.ForPay, row.Date.Utc ?? historyFrom);
            if (row.SaleId.StartsWith('S'))
                events.Add(new WbEvent(WbEventType.OrderBuyout, "order_buyout:" + row.SaleId, WbMessages.Buyout(facts, product), product.ImageUrl)
                    { Fact = Fact(product, row.SupplierArticle, row.PriceWithDisc, null) });
            else if (row.SaleId.StartsWith('R'))
                events.Add(new WbEvent(WbEventType.OrderReturn, "order_return:" + row.SaleId, WbMessages.Return(facts, product), product.ImageUrl)
                    { Fact = Fact(product, row.SupplierArticle, row.PriceWithDisc, null) });
        }
        return events;
    }

    public static List<WbEvent> FromReviews(IReadOnlySet<string> inserted, IReadOnlyList<WbFeedback> rows, IReadOnlyDictionary<long, WbProductInfo> products, DateTimeOffset historyFrom, DateTimeOffset keptFrom)
    {
        var events = new List<WbEvent>();
        foreach (var review in rows.Where(r => inserted.Contains(r.Id)).DistinctBy(r => r.Id))
        {
            if (review.ProductValuation is < 1 or > 3 || !(review.CreatedDate.Utc >= historyFrom) || !(review.CreatedDate.Utc >= keptFrom)) continue;
            var nmId = review.ProductDetails?.NmId ?? 0;
            var product = Product(products, nmId);
            if (product.Name is null && review.ProductDetails?.ProductName is { } name) product = product with { Name = name };
            events.Add(new WbEvent(WbEventType.NegativeReview, "negative_review:" + review.Id,
                WbMessages.NegativeReview(review.ProductValuation, review.Text, review.CreatedDate.Utc ?? historyFrom, product, review.ProductDetails?.SupplierArticle),
                product.ImageUrl) { Fact = Fact(product, review.ProductDetails?.SupplierArticle, null, review.ProductValuation) });
        }
        return events;
    }

    /// <summary>Products whose shelf total was above the threshold and is now at or below it (absent now = 0; unknown before = not a fall).</summary>
    public static List<long> FallenToCritical(IReadOnlyDictionary<long, int> before, IReadOnlyList<WbSyncStore.StockRow> now, int threshold)
    {
        var after = now.GroupBy(r => r.NmId).ToDictionary(g => g.Key, g => g.Sum(r => r.Quantity));
        return before.Where(b => b.Value > threshold && after.GetValueOrDefault(b.Key) <= threshold).Select(b => b.Key).OrderBy(id => id).ToList();
    }

    public static List<WbEvent> FromStocks(long cabinetId, IReadOnlyList<long> fallen, IReadOnlyList<WbSyncStore.StockRow> rows, IReadOnlyDictionary<long, WbProductInfo> products, DateTimeOffset now)
    {
        var events = new List<WbEvent>();
        foreach (var nmId in fallen)
        {
            var warehouses = rows.Where(r => r.NmId == nmId).GroupBy(r => r.WarehouseName)
                .Select(g => (g.Key, g.Sum(r => r.Quantity))).ToList();
            var total = warehouses.Sum(w => w.Item2);
            var product = Product(products, nmId);
            // Each fall is its own event: the key carries the time the fall was seen.
            var key = string.Create(CultureInfo.InvariantCulture, $"critical_stock:{cabinetId}:{nmId}:{now.ToUnixTimeMilliseconds()}");
            events.Add(new WbEvent(WbEventType.CriticalStock, key, WbMessages.CriticalStock(total, warehouses, now, product), product.ImageUrl)
                { Fact = Fact(product, null, null, total) });
        }
        return events;
    }

    private static WbDigestFact Fact(WbProductInfo product, string? article, decimal? amount, int? value) =>
        new(product.NmId, product.DisplayName, !string.IsNullOrWhiteSpace(article) ? article : product.Article, amount, value);

    private static WbProductInfo Product(IReadOnlyDictionary<long, WbProductInfo> products, long nmId) =>
        products.TryGetValue(nmId, out var product) ? product : new WbProductInfo(nmId, null, null, null, null, null);

    private static Dictionary<string, T> Latest<T>(IEnumerable<T> rows, Func<T, string> key, Func<T, WbDate> changed) =>
        rows.GroupBy(key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.MaxBy(r => changed(r).Utc ?? DateTimeOffset.MinValue)!, StringComparer.Ordinal);
}
