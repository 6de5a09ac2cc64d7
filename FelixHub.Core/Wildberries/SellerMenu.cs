using FelixHub.Core.Wildberries.Cabinets;
using FelixHub.Core.Templates;
using Telegram.Bot.Types.ReplyMarkups;

namespace FelixHub.Core.Wildberries;

/// <summary>One switch of the «Уведомления» keyboard: seed 003's setting name (also the callback data), its label (Russian, English), and how it reads and sets the API's settings.</summary>
public sealed record SettingSwitch(
    string Name,
    string Label,
    string EnglishLabel,
    Func<NotificationSettingsDto, bool?> Get,
    Func<NotificationSettingsDto, bool, NotificationSettingsDto> Set)
{
    public string LabelIn(string language) => language == Languages.English ? EnglishLabel : Label;
}

/// <summary>
/// The seller's keyboards: the main menu (a persistent reply keyboard, sent with the "initial sync
/// complete" message and on <c>/start</c> once a cabinet is synced) and the «Уведомления» inline
/// keyboard. A switch's callback data is <c>ns:&lt;setting&gt;:&lt;0|1&gt;</c> — the value to set, not
/// "flip", so a press delivered twice or pressed on an old keyboard sets what the button said.
/// </summary>
public static class SellerMenu
{
    public const string NotificationsButton = "🔔 Уведомления";
    public const string ReplaceKeyButton = "🔑 Сменить ключ";
    public const string LeaveButton = "🚪 Отключить кабинет";

    /// <summary>The answers to «Отключить кабинет?»: leave every cabinet of the user, or keep them.</summary>
    public const string LeaveConfirmData = "leave:yes";
    public const string LeaveCancelData = "leave:no";
    public const string CallbackPrefix = "ns:";

    /// <summary>The global switch first, then the six kinds, with the settings' names from seed 003.</summary>
    public static IReadOnlyList<SettingSwitch> Switches { get; } =
    [
        new("notifications_enabled", "Все уведомления", "All notifications", s => s.NotificationsEnabled, (s, v) => s with { NotificationsEnabled = v }),
        new("new_orders_enabled", "Новые заказы", "New orders", s => s.NewOrdersEnabled, (s, v) => s with { NewOrdersEnabled = v }),
        new("order_buyouts_enabled", "Выкупы", "Buyouts", s => s.OrderBuyoutsEnabled, (s, v) => s with { OrderBuyoutsEnabled = v }),
        new("order_cancellations_enabled", "Отмены заказов", "Order cancellations", s => s.OrderCancellationsEnabled, (s, v) => s with { OrderCancellationsEnabled = v }),
        new("order_returns_enabled", "Возвраты", "Returns", s => s.OrderReturnsEnabled, (s, v) => s with { OrderReturnsEnabled = v }),
        new("negative_reviews_enabled", "Негативные отзывы", "Negative reviews", s => s.NegativeReviewsEnabled, (s, v) => s with { NegativeReviewsEnabled = v }),
        new("critical_stocks_enabled", "Критические остатки", "Critical stock", s => s.CriticalStocksEnabled, (s, v) => s with { CriticalStocksEnabled = v }),
    ];

    /// <summary>The English labels of the main menu's buttons (the constants above are the Russian ones).</summary>
    public const string NotificationsButtonEnglish = "🔔 Notifications";
    public const string ReplaceKeyButtonEnglish = "🔑 Replace key";
    public const string LeaveButtonEnglish = "🚪 Disconnect cabinet";

    public static string NotificationsButtonIn(string language) => language == Languages.English ? NotificationsButtonEnglish : NotificationsButton;

    public static string ReplaceKeyButtonIn(string language) => language == Languages.English ? ReplaceKeyButtonEnglish : ReplaceKeyButton;

    public static string LeaveButtonIn(string language) => language == Languages.English ? LeaveButtonEnglish : LeaveButton;

    /// <summary>The main menu under a message, in Russian.</summary>
    public static ReplyKeyboardMarkup MainKeyboard => MainKeyboardIn(Languages.Default);

    /// <summary>The main menu under a message, in <paramref name="language"/>: a reply keyboard that stays open.</summary>
    public static ReplyKeyboardMarkup MainKeyboardIn(string language) => new(new[]
    {
        new[] { new KeyboardButton(NotificationsButtonIn(language)) },
        new[] { new KeyboardButton(ReplaceKeyButtonIn(language)), new KeyboardButton(LeaveButtonIn(language)) },
    }) { ResizeKeyboard = true, IsPersistent = true };

    /// <summary>
    /// Whether a text message is the main menu's «Сменить ключ» button (or <c>/key</c>). A reply keyboard's press
    /// is a text message: the labels of every language are accepted (a keyboard drawn before the chat changed language still works).
    /// </summary>
    public static bool IsReplaceKeyRequest(string? text, string? command) => IsButton(text, command, "/key", ReplaceKeyButton, ReplaceKeyButtonEnglish);

    /// <summary>Whether a text message is the main menu's «Отключить кабинет» button (or <c>/stop</c>), in either language.</summary>
    public static bool IsLeaveRequest(string? text, string? command) => IsButton(text, command, "/stop", LeaveButton, LeaveButtonEnglish);

    /// <summary>Whether a text message is the main menu's «Уведомления» button (or <c>/notifications</c>), in either language.</summary>
    public static bool IsNotificationsRequest(string? text, string? command) => IsButton(text, command, "/notifications", NotificationsButton, NotificationsButtonEnglish);

    public static InlineKeyboardMarkup LeaveKeyboard => LeaveKeyboardIn(Languages.Default);

    public static InlineKeyboardMarkup LeaveKeyboardIn(string language) => new(new[]
    {
        InlineKeyboardButton.WithCallbackData(language == Languages.English ? "Yes, disconnect" : "Да, отключить", LeaveConfirmData),
        InlineKeyboardButton.WithCallbackData(language == Languages.English ? "Cancel" : "Отмена", LeaveCancelData),
    });

    /// <summary>The command, or a button's label with or without its emoji (any case), in any of <paramref name="labels"/>.</summary>
    private static bool IsButton(string? text, string? command, string ownCommand, params string[] labels) =>
        command == ownCommand
        || (command is null && text?.Trim() is { } t && labels.Any(label =>
        {
            var space = label.IndexOf(' ', StringComparison.Ordinal);
            var emoji = label[..space];
            return string.Equals(t.Replace(emoji, "", StringComparison.Ordinal).Trim(), label[(space + 1)..], StringComparison.OrdinalIgnoreCase);
        }));

    public static InlineKeyboardMarkup SettingsKeyboard(NotificationSettingsDto settings, string language = Languages.Default) =>
        new(Switches.Select(s =>
        {
            var on = s.Get(settings) ?? true;
            return new[] { InlineKeyboardButton.WithCallbackData((on ? "✅ " : "❌ ") + s.LabelIn(language), Data(s, !on)) };
        }).Append([InlineKeyboardButton.WithCallbackData(DigestMenu.OpenButtonIn(language), DigestMenu.OpenData)]));

    public static string Data(SettingSwitch setting, bool value) => CallbackPrefix + setting.Name + ":" + (value ? "1" : "0");

    /// <summary>Parses a switch press; false for anything the bot did not draw (unknown setting, extra parts, other values).</summary>
    public static bool TryParse(string? data, out SettingSwitch setting, out bool value)
    {
        setting = Switches[0];
        value = false;
        if (data is null || !data.StartsWith(CallbackPrefix, StringComparison.Ordinal)) return false;
        var parts = data[CallbackPrefix.Length..].Split(':');
        if (parts.Length != 2 || parts[1] is not ("0" or "1")) return false;
        var found = Switches.FirstOrDefault(s => string.Equals(s.Name, parts[0], StringComparison.Ordinal));
        if (found is null) return false;
        setting = found;
        value = parts[1] == "1";
        return true;
    }

    public static string Describe(SettingSwitch setting, bool value, string language = Languages.Default) =>
        Bot.BotMessages.SellerSwitched(setting.LabelIn(language), value, language);
}
