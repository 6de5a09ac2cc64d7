using FelixHub.Core.Recipients;
using FelixHub.Core.Telegram;
using Microsoft.Extensions.Logging;
using Telegram.Bot.Types;
using Telegram.Bot.Types.ReplyMarkups;

namespace FelixHub.Core.Bot;

/// <summary>
/// <c>/quiet</c>: anyone in a private chat with the bot (mechanic, customer, admin, seller, booking user)
/// sets the chat's quiet hours: a preset window (22:00–08:00, 23:00–07:00, 00:00–08:00) or none, and
/// what happens inside it (held until it ends, or sent without sound). A press saves through
/// <see cref="RecipientPreferencesService"/> — the same as <c>PATCH /api/recipients/{telegramId}/preferences</c> —
/// answers and redraws the menu. A button carries the value it sets (<c>qh:w:2300-0700</c>, <c>qh:m:silent</c>),
/// so pressing it twice sets the same value. Only the chat's own user, in their private chat, changes anything.
/// The time zone is the chat's (default Europe/Moscow; another one is set through the API).
/// </summary>
internal sealed partial class QuietHoursRoute(
    RecipientPreferencesService preferences,
    ITelegramSender telegram,
    ILogger<QuietHoursRoute> logger) : IBotRoute
{
    public const string Command = "/quiet";
    private const string Prefix = "qh:";

    /// <summary>The windows offered (from, to); "off" removes it.</summary>
    private static readonly (string From, string To)[] Presets = [("22:00", "08:00"), ("23:00", "07:00"), ("00:00", "08:00")];

    public int Order => 110;

    public async Task<BotResult?> HandleAsync(BotRequest request, CancellationToken cancellationToken)
    {
        if (request.Update.CallbackQuery is { } press)
            return press.Data?.StartsWith(Prefix, StringComparison.Ordinal) == true ? await PressAsync(request, press, cancellationToken) : null;
        if (request.Command != Command || !request.IsPrivate || !request.IsMessage) return null;

        var current = await preferences.GetAsync(request.ChatId, cancellationToken);
        return BotResult.Reply(Title(current), Keyboard(current));
    }

    private async Task<BotResult> PressAsync(BotRequest request, CallbackQuery press, CancellationToken ct)
    {
        var change = request.IsPrivate && press.Message?.Chat.Id == press.From.Id ? Parse(press.Data!) : null;
        if (change is null)
        {
            LogUnknownPress(logger, press.From.Id, request.ChatId);
            await telegram.AnswerCallbackAsync(request.ChatId, press.Id, BotMessages.QuietUnknownButton, ct);
            return BotResult.NoReply;
        }

        var updated = await preferences.UpdateAsync(request.ChatId, change, ct);
        LogSaved(logger, request.ChatId, updated.QuietFrom ?? "-", updated.QuietTo ?? "-", updated.QuietMode);
        var notice = change.QuietMode is { } mode ? BotMessages.QuietModeSaved(mode) : BotMessages.QuietSaved(updated.QuietFrom, updated.QuietTo);
        await telegram.AnswerCallbackAsync(request.ChatId, press.Id, notice, ct);
        await telegram.EditHtmlAsync(request.ChatId, press.Message!.MessageId, Title(updated), Keyboard(updated), ct);
        return BotResult.NoReply;
    }

    private static string Title(RecipientPreferencesResponse p) => BotMessages.QuietTitle(p.QuietFrom, p.QuietTo, p.TimeZone, p.QuietMode);

    /// <summary>The presets (the chosen one marked ✅), «Выключить», then the two modes.</summary>
    private static InlineKeyboardMarkup Keyboard(RecipientPreferencesResponse p)
    {
        var windows = Presets.Select(w => InlineKeyboardButton.WithCallbackData(
            $"{(p.QuietFrom == w.From && p.QuietTo == w.To ? "✅ " : "")}{w.From}–{w.To}", $"{Prefix}w:{w.From.Replace(":", "", StringComparison.Ordinal)}-{w.To.Replace(":", "", StringComparison.Ordinal)}"));
        var off = InlineKeyboardButton.WithCallbackData($"{(p.QuietFrom is null ? "✅ " : "")}Выключить", $"{Prefix}w:off");
        var hold = InlineKeyboardButton.WithCallbackData($"{(p.QuietMode == QuietModes.Hold ? "✅ " : "")}⏳ Ждать до утра", $"{Prefix}m:{QuietModes.Hold}");
        var silent = InlineKeyboardButton.WithCallbackData($"{(p.QuietMode == QuietModes.Silent ? "✅ " : "")}🔕 Без звука", $"{Prefix}m:{QuietModes.Silent}");
        return new InlineKeyboardMarkup([[.. windows.Take(2)], [windows.Last(), off], [hold, silent]]);
    }

    /// <summary>The change a button stands for, or null for data the bot never drew.</summary>
    private static UpdateRecipientPreferencesRequest? Parse(string data)
    {
        var rest = data[Prefix.Length..];
        if (rest == "w:off") return new UpdateRecipientPreferencesRequest(null, null, null, "", "");
        if (rest == $"m:{QuietModes.Hold}" || rest == $"m:{QuietModes.Silent}") return new UpdateRecipientPreferencesRequest(null, null, null, QuietMode: rest[2..]);
        foreach (var (from, to) in Presets)
        {
            if (rest == $"w:{from.Replace(":", "", StringComparison.Ordinal)}-{to.Replace(":", "", StringComparison.Ordinal)}")
                return new UpdateRecipientPreferencesRequest(null, null, null, from, to);
        }
        return null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Chat {ChatId} set its quiet hours to {From}–{To} ({Mode})")]
    private static partial void LogSaved(ILogger logger, string chatId, string from, string to, string mode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A quiet-hours button press from user {TelegramId} in chat {ChatId} is not one the bot drew for them; answered, nothing changed")]
    private static partial void LogUnknownPress(ILogger logger, long telegramId, string chatId);
}
