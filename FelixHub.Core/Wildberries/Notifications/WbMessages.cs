using System.Globalization;
using FelixHub.Core.Templates;

namespace FelixHub.Core.Wildberries.Notifications;

/// <summary>
/// The texts of WB notifications, rendered from their templates (<c>Templates/&lt;language&gt;/wb_*.liquid</c>,
/// docs/templates.md) in Telegram HTML (every WB value escaped); times in Moscow time. A review's text is
/// cut here to 700 characters, so a message with a photo stays within a caption.
/// </summary>
public static class WbMessages
{
    /// <summary>Telegram's limit on a photo caption; a longer text goes as a plain message.</summary>
    public const int MaxCaptionLength = 1024;

    private const int MaxReviewTextLength = 700;

    public sealed record OrderFacts(
        string Srid, long NmId, string? SupplierArticle, string? WarehouseName, string? RegionName, string? OblastOkrugName,
        decimal PriceWithDisc, decimal FinishedPrice, DateTimeOffset Date, DateTimeOffset? CancelDate);

    public sealed record SaleFacts(
        string SaleId, long NmId, string? SupplierArticle, string? WarehouseName, string? RegionName, string? OblastOkrugName,
        decimal PriceWithDisc, decimal ForPay, DateTimeOffset Date);

    public static string NewOrder(OrderFacts o, WbProductInfo p, string language = Languages.Default) =>
        Render("wb_new_order", language, Product(p, o.SupplierArticle, Place(o.WarehouseName, o.RegionName, o.OblastOkrugName, new()
        {
            ["price"] = MessageFormat.Money(o.PriceWithDisc, language),
            ["date"] = MessageFormat.MoscowTime(o.Date, language),
        })));

    public static string Cancellation(OrderFacts o, WbProductInfo p, string language = Languages.Default) =>
        Render("wb_order_cancellation", language, Product(p, o.SupplierArticle, Place(o.WarehouseName, o.RegionName, o.OblastOkrugName, new()
        {
            ["price"] = MessageFormat.Money(o.PriceWithDisc, language),
            ["date"] = MessageFormat.MoscowTime(o.Date, language),
            ["cancelled_at"] = o.CancelDate is { } cancelled ? MessageFormat.MoscowTime(cancelled, language) : null,
        })));

    public static string Buyout(SaleFacts s, WbProductInfo p, string language = Languages.Default) => Sale("wb_order_buyout", s, p, language);

    public static string Return(SaleFacts s, WbProductInfo p, string language = Languages.Default) => Sale("wb_order_return", s, p, language);

    public static string NegativeReview(int stars, string? text, DateTimeOffset created, WbProductInfo p, string? article, string language = Languages.Default)
    {
        string? body = string.IsNullOrWhiteSpace(text) ? null : text.Trim();
        if (body is { Length: > MaxReviewTextLength }) body = body[..MaxReviewTextLength] + "…";
        var shown = Math.Clamp(stars, 0, 5);
        return Render("wb_negative_review", language, Product(p, article, new()
        {
            ["stars"] = new string('★', shown) + new string('☆', 5 - shown),
            ["rating"] = stars,
            ["text"] = body,
            ["date"] = MessageFormat.MoscowTime(created, language),
        }));
    }

    public static string CriticalStock(int total, IReadOnlyList<(string Warehouse, int Quantity)> warehouses, DateTimeOffset at, WbProductInfo p, string language = Languages.Default) =>
        Render("wb_critical_stock", language, Product(p, null, new()
        {
            ["total"] = total,
            ["warehouses"] = warehouses.Where(w => w.Quantity > 0).OrderByDescending(w => w.Quantity).ThenBy(w => w.Warehouse, StringComparer.Ordinal).Take(10)
                .Select(w => new Dictionary<string, object?> { ["name"] = w.Warehouse, ["quantity"] = w.Quantity }).ToList(),
            ["date"] = MessageFormat.MoscowTime(at, language),
        }));

    /// <summary>The end of the initial sync; the notifications it promises are those the key's categories allow (<paramref name="disabledCategories"/>: bits as in <c>s</c>).</summary>
    public static string SyncComplete(int orders, int sales, int reviews, int products, int disabledCategories = 0, string language = Languages.Default)
    {
        var kinds = new List<string>();
        if ((disabledCategories & WbCategories.Bit(WbCategory.Statistics)) == 0) kinds.AddRange(["new_orders", "buyouts", "cancellations", "returns"]);
        if ((disabledCategories & WbCategories.Bit(WbCategory.Feedbacks)) == 0) kinds.Add("negative_reviews");
        if ((disabledCategories & WbCategories.Bit(WbCategory.Analytics)) == 0) kinds.Add("critical_stocks");
        var missing = WbCategories.In(disabledCategories);
        return Render("wb_sync_complete", language, new()
        {
            ["orders"] = orders,
            ["sales"] = sales,
            ["reviews"] = reviews,
            ["products"] = products,
            ["kinds"] = kinds,
            ["no_photos"] = (disabledCategories & WbCategories.Bit(WbCategory.Content)) != 0,
            ["missing_categories"] = missing.Count > 0 ? MissingCategories(missing, language) : null,
        });
    }

    /// <summary>Where a seller makes a key with the categories the sync uses (the Russian text of the template <c>wb_key_how_to</c>, for the bot's replies).</summary>
    public const string KeyHowTo =
        "Создать ключ можно в личном кабинете продавца WB: Профиль → Настройки → Доступ к API → Создать токен; " +
        "отметьте категории «Статистика», «Аналитика», «Контент» и «Вопросы и отзывы» (достаточно «Только на чтение»).";

    /// <summary>Which categories the key lacks and what each costs, followed by how to make a key with all four.</summary>
    public static string MissingCategories(IReadOnlyList<WbCategory> missing, string language = Languages.Default) =>
        Render("wb_missing_categories", language, new()
        {
            ["categories"] = missing.Select(WbCategories.Code).ToList(),
            ["key_how_to"] = KeyHowToIn(language),
        });

    /// <summary>WB refused the key for Statistics during a sync: the cabinet stopped.</summary>
    public static string KeyRejected(int? status, string language = Languages.Default) =>
        Render("wb_key_rejected", language, new()
        {
            ["status"] = status,
            ["key_how_to"] = KeyHowToIn(language),
            ["replace_key_button"] = SellerMenu.ReplaceKeyButtonIn(language),
        });

    /// <summary>WB refused the key for one category during a sync; the rest goes on.</summary>
    public static string CategoryRefused(WbCategory category, string language = Languages.Default) =>
        Render("wb_category_refused", language, new()
        {
            ["category"] = WbCategories.Code(category),
            ["key_how_to"] = KeyHowToIn(language),
        });

    /// <summary>The cabinet's key expires soon (<paramref name="expiresAt"/>): when, what stops, how to make and put in a new key.</summary>
    public static string KeyExpiring(DateTimeOffset expiresAt, DateTimeOffset now, string language = Languages.Default) =>
        Render("wb_key_expiring", language, new()
        {
            ["days"] = Math.Max(1, (int)Math.Ceiling((expiresAt - now).TotalDays)),
            ["expires_at"] = MessageFormat.MoscowTime(expiresAt, language),
            ["key_how_to"] = KeyHowToIn(language),
            ["replace_key_button"] = SellerMenu.ReplaceKeyButtonIn(language),
        });

    /// <summary>Moscow wall-clock time, e.g. <c>10.03.2026 15:04 МСК</c>.</summary>
    public static string Moscow(DateTimeOffset instant, string language = Languages.Default) => MessageFormat.MoscowTime(instant, language);

    /// <summary>Roubles with a space between thousands and a decimal comma: <c>1 284,01 ₽</c>.</summary>
    public static string Rub(decimal amount, string language = Languages.Default) => MessageFormat.Money(amount, language);

    /// <summary>The template <c>wb_key_how_to</c>, rendered (Telegram HTML): templates print it with <c>| raw</c>.</summary>
    private static string KeyHowToIn(string language) => Render("wb_key_how_to", language, new());

    private static string Render(string template, string language, Dictionary<string, object?> model) =>
        MessageTemplates.Current.Render(template, language, model);

    private static string Sale(string template, SaleFacts s, WbProductInfo p, string language) =>
        Render(template, language, Product(p, s.SupplierArticle, Place(s.WarehouseName, s.RegionName, s.OblastOkrugName, new()
        {
            ["price"] = MessageFormat.Money(s.PriceWithDisc, language),
            ["for_pay"] = s.ForPay == 0 ? null : MessageFormat.Money(s.ForPay, language),
            ["date"] = MessageFormat.MoscowTime(s.Date, language),
        })));

    /// <summary>The product's values: <c>product_name</c>, <c>article</c> (the sale's, else the card's; null when none), <c>nm_id</c>.</summary>
    private static Dictionary<string, object?> Product(WbProductInfo p, string? article, Dictionary<string, object?> model)
    {
        var shownArticle = !string.IsNullOrWhiteSpace(article) ? article : p.Article;
        model["product_name"] = p.DisplayName;
        model["article"] = string.IsNullOrWhiteSpace(shownArticle) ? null : shownArticle;
        model["nm_id"] = p.NmId.ToString(CultureInfo.InvariantCulture);
        return model;
    }

    /// <summary>Where: <c>warehouse</c> and <c>region</c> (the region, else the federal district), null when unknown.</summary>
    private static Dictionary<string, object?> Place(string? warehouse, string? region, string? okrug, Dictionary<string, object?> model)
    {
        model["warehouse"] = string.IsNullOrWhiteSpace(warehouse) ? null : warehouse;
        var where = !string.IsNullOrWhiteSpace(region) ? region : okrug;
        model["region"] = string.IsNullOrWhiteSpace(where) ? null : where;
        return model;
    }
}
