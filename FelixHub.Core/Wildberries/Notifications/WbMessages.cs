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

    /// <summary>The end of the initial sync; the notifications it promises are those the key's categories allow (<paramref name="disabledCategories"/>: bits as in <c>s</c>).</summary>
    public static string SyncComplete(int orders, int sales, int reviews, int products, int disabledCategories = 0)
    {
        var kinds = new List<string>();
        if ((disabledCategories & WbCategories.Bit(WbCategory.Statistics)) == 0) kinds.AddRange(["новых заказах", "выкупах", "отменах", "возвратах"]);
        if ((disabledCategories & WbCategories.Bit(WbCategory.Feedbacks)) == 0) kinds.Add("негативных отзывах");
        if ((disabledCategories & WbCategories.Bit(WbCategory.Analytics)) == 0) kinds.Add("критических остатках");
        var builder = new StringBuilder("✅ <b>Первичная синхронизация завершена</b>\n\n")
            .Append(CultureInfo.InvariantCulture, $"Загружено: заказов — {orders}, продаж и возвратов — {sales}, отзывов — {reviews}, товаров — {products}.\n\n")
            .Append("Главное меню доступно. Уведомления о ").Append(Enumerate(kinds)).Append(" будут приходить сюда");
        if ((disabledCategories & WbCategories.Bit(WbCategory.Content)) != 0) builder.Append(" (без фото товаров)");
        builder.Append('.');
        var missing = WbCategories.In(disabledCategories);
        if (missing.Count > 0)
            builder.Append("\n\n").Append(MissingCategories(missing));
        return builder.ToString();
    }

    /// <summary>Where a seller makes a key with the categories the sync uses.</summary>
    public const string KeyHowTo =
        "Создать ключ можно в личном кабинете продавца WB: Профиль → Настройки → Доступ к API → Создать токен; " +
        "отметьте категории «Статистика», «Аналитика», «Контент» и «Вопросы и отзывы» (достаточно «Только на чтение»).";

    /// <summary>Which categories the key lacks and what each costs, followed by how to make a key with all four.</summary>
    public static string MissingCategories(IReadOnlyList<WbCategory> missing)
    {
        var builder = new StringBuilder("⚠️ У ключа нет доступа ").Append(missing.Count == 1 ? "к категории:" : "к категориям:").Append('\n');
        foreach (var category in missing)
            builder.Append("• «").Append(WbCategories.RussianName(category)).Append("» — ").Append(WbCategories.RussianCost(category)).Append(";\n");
        builder.Length -= 2;
        return builder.Append(".\n\n").Append(KeyHowTo).Append(" Затем подключите новый ключ вместо этого.").ToString();
    }

    /// <summary>WB refused the key for Statistics during a sync: the cabinet stopped.</summary>
    public static string KeyRejected(int? status) =>
        "⛔ <b>Wildberries отклонил API-ключ кабинета</b>" + (status is { } s ? string.Create(CultureInfo.InvariantCulture, $" ({s})") : "") + "\n\n" +
        "Ключ больше не даёт доступа к категории «Статистика» (его удалили, он истёк или у него сняли категорию), " +
        "поэтому синхронизация остановлена и уведомления о заказах, выкупах, отменах, возвратах, отзывах и остатках не приходят.\n\n" +
        "Что сделать: " + KeyHowTo + " Затем нажмите «" + SellerMenu.ReplaceKeyButton + "» (или отправьте /key) и пришлите новый ключ в этот чат — кабинет, его история и настройки сохранятся.";

    /// <summary>WB refused the key for one category during a sync; the rest goes on.</summary>
    public static string CategoryRefused(WbCategory category) =>
        "⚠️ <b>Ключ WB не даёт доступа к категории «" + WbCategories.RussianName(category) + "»</b>\n\n" +
        "Wildberries отказал в доступе к этой категории, поэтому теперь " + WbCategories.RussianCost(category) + ". " +
        "Остальные уведомления приходят как обычно.\n\n" +
        "Чтобы вернуть: " + KeyHowTo + " Затем подключите новый ключ вместо этого.";

    /// <summary>The cabinet's key expires soon (<paramref name="expiresAt"/>): when, what stops, how to make and put in a new key.</summary>
    public static string KeyExpiring(DateTimeOffset expiresAt, DateTimeOffset now)
    {
        var days = Math.Max(1, (int)Math.Ceiling((expiresAt - now).TotalDays));
        var within = days == 1 ? "в течение суток" : string.Create(CultureInfo.InvariantCulture, $"через {days} {Days(days)}");
        return "⏳ <b>API-ключ WB истекает " + within + "</b>\n\n" +
            "Ключ кабинета действует до " + Moscow(expiresAt) + ". После этого Wildberries перестанет его принимать: " +
            "синхронизация остановится и уведомления о заказах, выкупах, отменах, возвратах, отзывах и остатках приходить не будут.\n\n" +
            "Что сделать: " + KeyHowTo + " Затем нажмите «" + SellerMenu.ReplaceKeyButton + "» в главном меню и пришлите новый ключ — " +
            "кабинет, его история и настройки уведомлений сохранятся.";
    }

    private static string Days(int n) => (n % 100) is >= 11 and <= 14 ? "дней" : (n % 10) switch { 1 => "день", 2 or 3 or 4 => "дня", _ => "дней" };

    private static string Enumerate(IReadOnlyList<string> items) => items.Count switch
    {
        0 => "событиях",
        1 => items[0],
        _ => string.Join(", ", items.Take(items.Count - 1)) + " и " + items[^1],
    };

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
