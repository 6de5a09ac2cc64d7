using System.Globalization;
using FelixHub.Core.Wildberries.Cabinets;
using Telegram.Bot.Types.ReplyMarkups;

namespace FelixHub.Core.Wildberries;

/// <summary>One switch of the «Уведомления» keyboard: seed 003's setting name (also the callback data), its label, and how it reads and sets the API's settings.</summary>
public sealed record SettingSwitch(
    string Name,
    string Label,
    Func<NotificationSettingsDto, bool?> Get,
    Func<NotificationSettingsDto, bool, NotificationSettingsDto> Set);

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
        new("notifications_enabled", "Все уведомления", s => s.NotificationsEnabled, (s, v) => s with { NotificationsEnabled = v }),
        new("new_orders_enabled", "Новые заказы", s => s.NewOrdersEnabled, (s, v) => s with { NewOrdersEnabled = v }),
        new("order_buyouts_enabled", "Выкупы", s => s.OrderBuyoutsEnabled, (s, v) => s with { OrderBuyoutsEnabled = v }),
        new("order_cancellations_enabled", "Отмены заказов", s => s.OrderCancellationsEnabled, (s, v) => s with { OrderCancellationsEnabled = v }),
        new("order_returns_enabled", "Возвраты", s => s.OrderReturnsEnabled, (s, v) => s with { OrderReturnsEnabled = v }),
        new("negative_reviews_enabled", "Негативные отзывы", s => s.NegativeReviewsEnabled, (s, v) => s with { NegativeReviewsEnabled = v }),
        new("critical_stocks_enabled", "Критические остатки", s => s.CriticalStocksEnabled, (s, v) => s with { CriticalStocksEnabled = v }),
    ];

    /// <summary>The main menu under a message: a reply keyboard that stays open.</summary>
    public static ReplyKeyboardMarkup MainKeyboard => new(new[]
    {
        new[] { new KeyboardButton(NotificationsButton) },
        new[] { new KeyboardButton(ReplaceKeyButton), new KeyboardButton(LeaveButton) },
    }) { ResizeKeyboard = true, IsPersistent = true };

    /// <summary>Whether a text message is the main menu's «Сменить ключ» button (or <c>/key</c>).</summary>
    public static bool IsReplaceKeyRequest(string? text, string? command) => IsButton(text, command, "/key", "🔑", "Сменить ключ");

    /// <summary>Whether a text message is the main menu's «Отключить кабинет» button (or <c>/stop</c>).</summary>
    public static bool IsLeaveRequest(string? text, string? command) => IsButton(text, command, "/stop", "🚪", "Отключить кабинет");

    public static InlineKeyboardMarkup LeaveKeyboard => new(new[]
    {
        InlineKeyboardButton.WithCallbackData("Да, отключить", LeaveConfirmData),
        InlineKeyboardButton.WithCallbackData("Отмена", LeaveCancelData),
    });

    private static bool IsButton(string? text, string? command, string ownCommand, string emoji, string label) =>
        command == ownCommand
        || (command is null && text?.Trim() is { } t
            && string.Equals(t.Replace(emoji, "", StringComparison.Ordinal).Trim(), label, StringComparison.OrdinalIgnoreCase));

    /// <summary>Whether a text message is the main menu's «Уведомления» button (or the command for it).</summary>
    public static bool IsNotificationsRequest(string? text, string? command) =>
        command == "/notifications"
        || (command is null && text?.Trim() is { } t
            && string.Equals(t.Replace("🔔", "", StringComparison.Ordinal).Trim(), "Уведомления", StringComparison.OrdinalIgnoreCase));

    public static InlineKeyboardMarkup SettingsKeyboard(NotificationSettingsDto settings) =>
        new(Switches.Select(s =>
        {
            var on = s.Get(settings) ?? true;
            return new[] { InlineKeyboardButton.WithCallbackData((on ? "✅ " : "❌ ") + s.Label, Data(s, !on)) };
        }).Append([InlineKeyboardButton.WithCallbackData(DigestMenu.OpenButton, DigestMenu.OpenData)]));

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

    public static string Describe(SettingSwitch setting, bool value) =>
        string.Create(CultureInfo.InvariantCulture, $"{(value ? "✅" : "❌")} {setting.Label}: {(value ? "включено" : "выключено")}");
}
