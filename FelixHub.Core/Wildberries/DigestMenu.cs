using System.Globalization;
using FelixHub.Core.Recipients;
using FelixHub.Core.Templates;
using FelixHub.Core.Wildberries.Cabinets;
using FelixHub.Core.Wildberries.Notifications;
using Telegram.Bot.Types.ReplyMarkups;

namespace FelixHub.Core.Wildberries;

/// <summary>
/// The seller's «🗞 Сводки» keyboard (issue 23 §2), opened from «🔔 Уведомления»: per kind of WB event a row
/// of three buttons — at once, hourly, daily — and a row of times for the daily digest. Each button sets a
/// value (<c>dg:m:&lt;event type&gt;:&lt;mode&gt;</c>, <c>dg:t:&lt;HHmm&gt;</c>), never "flip", so a press delivered
/// twice or pressed on an old keyboard sets what the button said.
/// </summary>
public static class DigestMenu
{
    public const string CallbackPrefix = "dg:";
    public const string OpenData = "dg:open";
    public const string BackData = "dg:back";
    public const string OpenButton = "🗞 Сводки вместо потока";
    public const string OpenButtonEnglish = "🗞 Digests instead of a stream";

    public static string OpenButtonIn(string language) => language == Languages.English ? OpenButtonEnglish : OpenButton;

    /// <summary>The times the bot offers for the daily digest; the API takes any <c>HH:mm</c>.</summary>
    public static IReadOnlyList<TimeOnly> DailyTimes { get; } = [new(7, 0), new(9, 0), new(12, 0), new(18, 0), new(21, 0)];

    /// <summary>A kind as the menu shows it, and how it reads and writes the API's settings.</summary>
    public sealed record DigestKind(string EventType, string Emoji, string Label, string EnglishLabel,
        Func<DigestSettingsResponse, string> Get, Func<string, UpdateDigestSettingsRequest> Set)
    {
        public string LabelIn(string language) => language == Languages.English ? EnglishLabel : Label;
    }

    public static IReadOnlyList<DigestKind> Kinds { get; } =
    [
        new(WbEventType.NewOrder, "🛒", "Новые заказы", "New orders", s => s.NewOrders, m => new(NewOrders: m)),
        new(WbEventType.OrderBuyout, "💰", "Выкупы", "Buyouts", s => s.OrderBuyouts, m => new(OrderBuyouts: m)),
        new(WbEventType.OrderCancellation, "❌", "Отмены заказов", "Order cancellations", s => s.OrderCancellations, m => new(OrderCancellations: m)),
        new(WbEventType.OrderReturn, "↩️", "Возвраты", "Returns", s => s.OrderReturns, m => new(OrderReturns: m)),
        new(WbEventType.NegativeReview, "⚠️", "Негативные отзывы", "Negative reviews", s => s.NegativeReviews, m => new(NegativeReviews: m)),
        new(WbEventType.CriticalStock, "📉", "Критические остатки", "Critical stock", s => s.CriticalStocks, m => new(CriticalStocks: m)),
    ];

    /// <summary>The modes and their buttons (Russian, English); what a mode means is in the templates <c>seller_digests</c> and <c>answer_digest_mode_saved</c>.</summary>
    private static readonly (string Mode, string Button, string EnglishButton)[] Modes =
    [
        (WbDigestModes.Immediate, "сразу", "at once"),
        (WbDigestModes.Hourly, "раз в час", "hourly"),
        (WbDigestModes.Daily, "раз в день", "daily"),
    ];

    /// <summary>The menu's text (template <c>seller_digests</c>): what each kind does now, and when the daily digest comes.</summary>
    public static string Text(DigestSettingsResponse s, string language = Languages.Default) =>
        MessageTemplates.Current.Render("seller_digests", language, new Dictionary<string, object?>
        {
            ["kinds"] = Kinds.Select(k => new Dictionary<string, object?> { ["emoji"] = k.Emoji, ["name"] = k.LabelIn(language), ["mode"] = k.Get(s) }).ToList(),
            ["daily_at"] = s.DailyAt,
            ["time_zone"] = s.TimeZone,
            ["moscow"] = s.TimeZone == QuietWindow.DefaultTimeZone,
        });

    public static InlineKeyboardMarkup Keyboard(DigestSettingsResponse s, string language = Languages.Default)
    {
        var english = language == Languages.English;
        var rows = Kinds.Select(kind => Modes.Select(m =>
            InlineKeyboardButton.WithCallbackData((kind.Get(s) == m.Mode ? "🔘 " : "") + kind.Emoji + " " + (english ? m.EnglishButton : m.Button), ModeData(kind, m.Mode))).ToArray()).ToList();
        rows.Add([.. DailyTimes.Select(t =>
        {
            var text = QuietWindow.Format(t);
            return InlineKeyboardButton.WithCallbackData((s.DailyAt == text ? "🔘 " : "📅 ") + text, TimeData(t));
        })]);
        rows.Add([InlineKeyboardButton.WithCallbackData(english ? "⬅️ Back" : "⬅️ Назад", BackData)]);
        return new InlineKeyboardMarkup(rows);
    }

    public static string ModeData(DigestKind kind, string mode) => CallbackPrefix + "m:" + kind.EventType + ":" + mode;

    public static string TimeData(TimeOnly time) => CallbackPrefix + "t:" + time.ToString("HHmm", CultureInfo.InvariantCulture);

    /// <summary>A press of this menu, as the change it makes; null for anything the bot did not draw (or open/back).</summary>
    public static bool TryParse(string? data, out UpdateDigestSettingsRequest change, out string answer, string language = Languages.Default)
    {
        change = new UpdateDigestSettingsRequest();
        answer = "";
        if (data is null || !data.StartsWith(CallbackPrefix, StringComparison.Ordinal)) return false;
        var parts = data[CallbackPrefix.Length..].Split(':');
        if (parts is ["m", var type, var mode] && Kinds.FirstOrDefault(k => k.EventType == type) is { } kind && Modes.Any(m => m.Mode == mode))
        {
            change = kind.Set(mode);
            answer = Bot.BotMessages.DigestModeSaved(kind.LabelIn(language), mode, language);
            return true;
        }
        if (parts is ["t", var hhmm] && DailyTimes.Where(t => t.ToString("HHmm", CultureInfo.InvariantCulture) == hhmm).ToList() is [var time])
        {
            change = new UpdateDigestSettingsRequest(DailyAt: QuietWindow.Format(time));
            answer = Bot.BotMessages.DigestTimeSaved(QuietWindow.Format(time), language);
            return true;
        }
        return false;
    }
}
