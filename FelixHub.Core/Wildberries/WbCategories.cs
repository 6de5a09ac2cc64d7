using FelixHub.Core.Wildberries.Api;
using FelixHub.Core.Wildberries.Notifications;

namespace FelixHub.Core.Wildberries;

/// <summary>
/// The WB API categories the sync uses, by their bit in the token's <c>s</c> claim. WB's token
/// documentation counts the bits from 0 at the least significant end: 1 Content, 2 Analytics,
/// 3 Prices and discounts, 4 Marketplace, 5 Statistics, 6 Promotion, 7 Feedbacks and questions, …,
/// 30 read-only.
/// </summary>
public enum WbCategory
{
    Content = 1,
    Analytics = 2,
    Statistics = 5,
    Feedbacks = 7,
}

/// <summary>What each category gives the sync, what losing it costs, and how the seller names it.</summary>
public static class WbCategories
{
    public const int ReadOnlyBit = 30;

    /// <summary>The four categories, Statistics first: without it nothing is synced.</summary>
    public static IReadOnlyList<WbCategory> Synced { get; } = [WbCategory.Statistics, WbCategory.Analytics, WbCategory.Content, WbCategory.Feedbacks];

    /// <summary>The category's bit in <c>s</c> (and in a cabinet's <c>refused_categories</c>).</summary>
    public static int Bit(WbCategory category) => 1 << (int)category;

    /// <summary>A mask as the categories it holds, in <see cref="Synced"/> order.</summary>
    public static IReadOnlyList<WbCategory> In(int mask) => [.. Synced.Where(c => (mask & Bit(c)) != 0)];

    public static int Mask(IEnumerable<WbCategory> categories) => categories.Aggregate(0, (m, c) => m | Bit(c));

    /// <summary>
    /// The categories a cabinet's sync leaves out: those its key does not claim (<paramref name="keyScopes"/>,
    /// null for a cabinet registered before the claim was kept: all claimed) and those WB refused (<paramref name="refused"/>).
    /// </summary>
    public static int Disabled(int? keyScopes, int refused) => (refused | (keyScopes is { } s ? ~s : 0)) & Mask(Synced);

    /// <summary>The category a sync endpoint needs: WB answers 401 "token scope not allowed" outside it.</summary>
    public static WbCategory ForEndpoint(string endpoint) => WbEndpoint.Host(endpoint) switch
    {
        "analytics" => WbCategory.Analytics,
        "content" => WbCategory.Content,
        "feedbacks" => WbCategory.Feedbacks,
        _ => WbCategory.Statistics,
    };

    /// <summary>The API's name of a category.</summary>
    public static string Code(WbCategory category) => category switch
    {
        WbCategory.Content => "content",
        WbCategory.Analytics => "analytics",
        WbCategory.Statistics => "statistics",
        _ => "feedbacks",
    };

    /// <summary>As the seller's cabinet names it (Профиль → Настройки → Доступ к API).</summary>
    public static string RussianName(WbCategory category) => category switch
    {
        WbCategory.Content => "Контент",
        WbCategory.Analytics => "Аналитика",
        WbCategory.Statistics => "Статистика",
        _ => "Вопросы и отзывы",
    };

    /// <summary>As WB's English documentation names it.</summary>
    public static string EnglishName(WbCategory category) => category switch
    {
        WbCategory.Content => "Content",
        WbCategory.Analytics => "Analytics",
        WbCategory.Statistics => "Statistics",
        _ => "Feedbacks and questions",
    };

    /// <summary>The notification kinds that stop without the category (Content costs no kind: messages go without photos).</summary>
    public static IReadOnlyList<string> LostNotifications(WbCategory category) => category switch
    {
        WbCategory.Statistics => [WbEventType.NewOrder, WbEventType.OrderBuyout, WbEventType.OrderCancellation, WbEventType.OrderReturn],
        WbCategory.Analytics => [WbEventType.CriticalStock],
        WbCategory.Feedbacks => [WbEventType.NegativeReview],
        _ => [],
    };

    /// <summary>What the seller loses without the category, in English (the API's messages).</summary>
    public static string EnglishCost(WbCategory category) => category switch
    {
        WbCategory.Statistics => "orders, buyouts, cancellations and returns cannot be synced",
        WbCategory.Analytics => "no critical-stock alerts (the stocks report is in Analytics)",
        WbCategory.Content => "notifications come without product photos (the product cards are in Content)",
        _ => "no negative-review alerts (reviews are in Feedbacks and questions)",
    };

    /// <summary>What the seller loses without the category, in Russian (the bot's messages).</summary>
    public static string RussianCost(WbCategory category) => category switch
    {
        WbCategory.Statistics => "не будет уведомлений о заказах, выкупах, отменах и возвратах",
        WbCategory.Analytics => "не будет уведомлений о критических остатках",
        WbCategory.Content => "уведомления будут приходить без фото товаров",
        _ => "не будет уведомлений о негативных отзывах",
    };
}
