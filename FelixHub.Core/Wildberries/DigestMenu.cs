using System.Globalization;
using System.Text;
using FelixHub.Core.Recipients;
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

    /// <summary>The times the bot offers for the daily digest; the API takes any <c>HH:mm</c>.</summary>
    public static IReadOnlyList<TimeOnly> DailyTimes { get; } = [new(7, 0), new(9, 0), new(12, 0), new(18, 0), new(21, 0)];

    /// <summary>A kind as the menu shows it, and how it reads and writes the API's settings.</summary>
    public sealed record DigestKind(string EventType, string Emoji, string Label,
        Func<DigestSettingsResponse, string> Get, Func<string, UpdateDigestSettingsRequest> Set);

    public static IReadOnlyList<DigestKind> Kinds { get; } =
    [
        new(WbEventType.NewOrder, "🛒", "Новые заказы", s => s.NewOrders, m => new(NewOrders: m)),
        new(WbEventType.OrderBuyout, "💰", "Выкупы", s => s.OrderBuyouts, m => new(OrderBuyouts: m)),
        new(WbEventType.OrderCancellation, "❌", "Отмены заказов", s => s.OrderCancellations, m => new(OrderCancellations: m)),
        new(WbEventType.OrderReturn, "↩️", "Возвраты", s => s.OrderReturns, m => new(OrderReturns: m)),
        new(WbEventType.NegativeReview, "⚠️", "Негативные отзывы", s => s.NegativeReviews, m => new(NegativeReviews: m)),
        new(WbEventType.CriticalStock, "📉", "Критические остатки", s => s.CriticalStocks, m => new(CriticalStocks: m)),
    ];

    private static readonly (string Mode, string Button, string Words)[] Modes =
    [
        (WbDigestModes.Immediate, "сразу", "сразу, каждое событие отдельно"),
        (WbDigestModes.Hourly, "раз в час", "сводкой раз в час"),
        (WbDigestModes.Daily, "раз в день", "сводкой раз в день"),
    ];

    /// <summary>The menu's text: what each kind does now, and when the daily digest comes.</summary>
    public static string Text(DigestSettingsResponse s)
    {
        var builder = new StringBuilder("🗞 <b>Сводки</b>\n\n")
            .Append("Каждый вид событий может приходить сразу или одной сводкой — раз в час или раз в день: ")
            .Append("одно сообщение с числом событий, суммами и главными товарами за период.\n\n");
        foreach (var kind in Kinds)
            builder.Append(kind.Emoji).Append(' ').Append(kind.Label).Append(" — ").Append(Words(kind.Get(s))).Append('\n');
        return builder.Append("\n📅 Ежедневная сводка приходит в ").Append(s.DailyAt).Append(' ').Append(Zone(s.TimeZone)).Append('.').ToString();
    }

    public static InlineKeyboardMarkup Keyboard(DigestSettingsResponse s)
    {
        var rows = Kinds.Select(kind => Modes.Select(m =>
            InlineKeyboardButton.WithCallbackData((kind.Get(s) == m.Mode ? "🔘 " : "") + kind.Emoji + " " + m.Button, ModeData(kind, m.Mode))).ToArray()).ToList();
        rows.Add([.. DailyTimes.Select(t =>
        {
            var text = QuietWindow.Format(t);
            return InlineKeyboardButton.WithCallbackData((s.DailyAt == text ? "🔘 " : "📅 ") + text, TimeData(t));
        })]);
        rows.Add([InlineKeyboardButton.WithCallbackData("⬅️ Назад", BackData)]);
        return new InlineKeyboardMarkup(rows);
    }

    public static string ModeData(DigestKind kind, string mode) => CallbackPrefix + "m:" + kind.EventType + ":" + mode;

    public static string TimeData(TimeOnly time) => CallbackPrefix + "t:" + time.ToString("HHmm", CultureInfo.InvariantCulture);

    /// <summary>A press of this menu, as the change it makes; null for anything the bot did not draw (or open/back).</summary>
    public static bool TryParse(string? data, out UpdateDigestSettingsRequest change, out string answer)
    {
        change = new UpdateDigestSettingsRequest();
        answer = "";
        if (data is null || !data.StartsWith(CallbackPrefix, StringComparison.Ordinal)) return false;
        var parts = data[CallbackPrefix.Length..].Split(':');
        if (parts is ["m", var type, var mode] && Kinds.FirstOrDefault(k => k.EventType == type) is { } kind && Modes.Any(m => m.Mode == mode))
        {
            change = kind.Set(mode);
            answer = kind.Label + ": " + Words(mode) + ".";
            return true;
        }
        if (parts is ["t", var hhmm] && DailyTimes.Where(t => t.ToString("HHmm", CultureInfo.InvariantCulture) == hhmm).ToList() is [var time])
        {
            change = new UpdateDigestSettingsRequest(DailyAt: QuietWindow.Format(time));
            answer = "Ежедневная сводка — в " + QuietWindow.Format(time) + ".";
            return true;
        }
        return false;
    }

    private static string Words(string mode) => Modes.FirstOrDefault(m => m.Mode == mode).Words ?? mode;

    private static string Zone(string zone) => zone == QuietWindow.DefaultTimeZone ? "по Москве" : "(" + zone + ")";
}
