using System.Globalization;
using System.Text;
using FelixHub.Core.Telegram;
using FelixHub.Core.Wildberries.Api;

namespace FelixHub.Core.Wildberries.Notifications;

/// <summary>The Russian texts of WB notifications, in Telegram HTML (every WB value escaped); times in Moscow time.</summary>
public static class WbMessages
{
    /// <summary>Telegram's limit on a photo caption; a longer text goes as a plain message.</summary>
    public const int MaxCaptionLength = 1024;

    private const int MaxReviewTextLength = 700;

    private static readonly NumberFormatInfo Money = new() { NumberGroupSeparator = " ", NumberDecimalSeparator = ",", NumberGroupSizes = [3] };

    public sealed record OrderFacts(
        string Srid, long NmId, string? SupplierArticle, string? WarehouseName, string? RegionName, string? OblastOkrugName,
        decimal PriceWithDisc, decimal FinishedPrice, DateTimeOffset Date, DateTimeOffset? CancelDate);

    public sealed record SaleFacts(
        string SaleId, long NmId, string? SupplierArticle, string? WarehouseName, string? RegionName, string? OblastOkrugName,
        decimal PriceWithDisc, decimal ForPay, DateTimeOffset Date);

    public static string NewOrder(OrderFacts o, WbProductInfo p) =>
        new StringBuilder("🛒 <b>Новый заказ</b>\n\n")
            .Append(Product(p, o.SupplierArticle))
            .Append("💰 Цена: ").Append(Rub(o.PriceWithDisc)).Append('\n')
            .Append(Place(o.WarehouseName, o.RegionName, o.OblastOkrugName))
            .Append("🕒 ").Append(Moscow(o.Date)).Append('\n')
            .ToString();

    public static string Cancellation(OrderFacts o, WbProductInfo p) =>
        new StringBuilder("❌ <b>Отмена заказа</b>\n\n")
            .Append(Product(p, o.SupplierArticle))
            .Append("💰 Цена: ").Append(Rub(o.PriceWithDisc)).Append('\n')
            .Append(Place(o.WarehouseName, o.RegionName, o.OblastOkrugName))
            .Append("🕒 Заказан: ").Append(Moscow(o.Date)).Append('\n')
            .Append(o.CancelDate is { } cancelled ? "🚫 Отменён: " + Moscow(cancelled) + "\n" : "")
            .ToString();

    public static string Buyout(SaleFacts s, WbProductInfo p) => Sale("✅ <b>Выкуп</b>\n\n", s, p);

    public static string Return(SaleFacts s, WbProductInfo p) => Sale("↩️ <b>Возврат</b>\n\n", s, p);

    public static string NegativeReview(int stars, string? text, DateTimeOffset created, WbProductInfo p, string? article)
    {
        var body = string.IsNullOrWhiteSpace(text) ? "(без текста)" : text.Trim();
        if (body.Length > MaxReviewTextLength) body = body[..MaxReviewTextLength] + "…";
        return new StringBuilder("⚠️ <b>Негативный отзыв</b>\n\n")
            .Append(Product(p, article))
            .Append("⭐ Оценка: ").Append(new string('★', Math.Clamp(stars, 0, 5))).Append(new string('☆', 5 - Math.Clamp(stars, 0, 5)))
            .Append(CultureInfo.InvariantCulture, $" ({stars}/5)\n")
            .Append("💬 «").Append(TelegramHtml.Escape(body)).Append("»\n")
            .Append("🕒 ").Append(Moscow(created)).Append('\n')
            .ToString();
    }

    public static string CriticalStock(int total, IReadOnlyList<(string Warehouse, int Quantity)> warehouses, DateTimeOffset at, WbProductInfo p)
    {
        var builder = new StringBuilder("📉 <b>Критический остаток</b>\n\n")
            .Append(Product(p, null))
            .Append(CultureInfo.InvariantCulture, $"📊 Осталось на складах: {total} шт.\n");
        var shown = warehouses.Where(w => w.Quantity > 0).OrderByDescending(w => w.Quantity).ThenBy(w => w.Warehouse, StringComparer.Ordinal).Take(10).ToList();
        if (shown.Count > 0)
            builder.Append("🏬 ").Append(string.Join(", ", shown.Select(w => TelegramHtml.Escape(w.Warehouse) + ": " + w.Quantity.ToString(CultureInfo.InvariantCulture)))).Append('\n');
        return builder.Append("🕒 ").Append(Moscow(at)).Append('\n').ToString();
    }

    public static string SyncComplete(int orders, int sales, int reviews, int products) =>
        "✅ <b>Первичная синхронизация завершена</b>\n\n" +
        string.Create(CultureInfo.InvariantCulture, $"Загружено: заказов — {orders}, продаж и возвратов — {sales}, отзывов — {reviews}, товаров — {products}.\n\n") +
        "Главное меню доступно. Уведомления о новых заказах, выкупах, отменах, возвратах, негативных отзывах и критических остатках будут приходить сюда.";

    /// <summary>Moscow wall-clock time, e.g. <c>10.03.2026 15:04 МСК</c>.</summary>
    public static string Moscow(DateTimeOffset instant) =>
        WbDate.ToMoscow(instant).ToString("dd.MM.yyyy HH:mm", CultureInfo.InvariantCulture) + " МСК";

    /// <summary>Roubles with a space between thousands and a decimal comma: <c>1 284,01 ₽</c>.</summary>
    public static string Rub(decimal amount) =>
        (amount == decimal.Truncate(amount) ? amount.ToString("#,0", Money) : amount.ToString("#,0.00", Money)) + " ₽";

    private static string Sale(string head, SaleFacts s, WbProductInfo p)
    {
        var builder = new StringBuilder(head)
            .Append(Product(p, s.SupplierArticle))
            .Append("💰 Цена: ").Append(Rub(s.PriceWithDisc)).Append('\n')
            .Append("💵 К перечислению: ").Append(s.ForPay == 0 ? "уточняется" : Rub(s.ForPay)).Append('\n')
            .Append(Place(s.WarehouseName, s.RegionName, s.OblastOkrugName))
            .Append("🕒 ").Append(Moscow(s.Date)).Append('\n');
        return builder.ToString();
    }

    private static string Product(WbProductInfo p, string? article)
    {
        var builder = new StringBuilder("📦 ").Append(TelegramHtml.Escape(p.DisplayName)).Append('\n');
        var shownArticle = !string.IsNullOrWhiteSpace(article) ? article : p.Article;
        if (!string.IsNullOrWhiteSpace(shownArticle)) builder.Append("🔖 Артикул: ").Append(TelegramHtml.Escape(shownArticle)).Append('\n');
        builder.Append(CultureInfo.InvariantCulture, $"🆔 nmID: {p.NmId}\n");
        return builder.ToString();
    }

    private static string Place(string? warehouse, string? region, string? okrug)
    {
        var builder = new StringBuilder();
        if (!string.IsNullOrWhiteSpace(warehouse)) builder.Append("🏬 Склад: ").Append(TelegramHtml.Escape(warehouse)).Append('\n');
        var where = !string.IsNullOrWhiteSpace(region) ? region : okrug;
        if (!string.IsNullOrWhiteSpace(where)) builder.Append("📍 Регион: ").Append(TelegramHtml.Escape(where)).Append('\n');
        return builder.ToString();
    }
}
