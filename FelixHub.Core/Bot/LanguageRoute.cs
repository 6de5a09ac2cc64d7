using FelixHub.Core.Recipients;
using FelixHub.Core.Telegram;
using FelixHub.Core.Templates;
using Microsoft.Extensions.Logging;
using Telegram.Bot.Types;
using Telegram.Bot.Types.ReplyMarkups;

namespace FelixHub.Core.Bot;

/// <summary>
/// <c>/language</c>: any recipient chooses the language of their messages (notifications and the bot's
/// replies). The menu has one button per language; a button carries the language it sets
/// (<c>lg:en</c>), so pressing it twice sets the same value twice. The choice is saved through
/// <see cref="RecipientPreferencesService"/> (the same as <c>PATCH /api/recipients/{telegramId}/preferences</c>
/// with <c>language</c>); the answer and the redrawn menu are in the new language. Only the chat's own
/// user, in their private chat, changes anything.
/// </summary>
internal sealed partial class LanguageRoute(
    RecipientPreferencesService preferences,
    ITelegramSender telegram,
    ILogger<LanguageRoute> logger) : IBotRoute
{
    public const string Command = "/language";
    public const string Prefix = "lg:";

    public int Order => 115;

    public async Task<BotResult?> HandleAsync(BotRequest request, CancellationToken cancellationToken)
    {
        if (request.Update.CallbackQuery is { } press)
            return press.Data?.StartsWith(Prefix, StringComparison.Ordinal) == true ? await PressAsync(request, press, cancellationToken) : null;
        if (request.Command != Command || !request.IsPrivate || !request.IsMessage) return null;
        return BotResult.Reply(BotMessages.LanguageTitle(request.Language), Keyboard(request.Language));
    }

    private async Task<BotResult> PressAsync(BotRequest request, CallbackQuery press, CancellationToken ct)
    {
        var language = press.Data![Prefix.Length..];
        if (!request.IsPrivate || press.Message?.Chat.Id != press.From.Id || !Languages.IsValid(language))
        {
            LogUnknownPress(logger, press.From.Id, request.ChatId);
            await telegram.AnswerCallbackAsync(request.ChatId, press.Id, BotMessages.LanguageUnknownButton(request.Language), ct);
            return BotResult.NoReply;
        }
        await preferences.UpdateAsync(request.ChatId, new UpdateRecipientPreferencesRequest(null, null, null, Language: language), ct);
        LogChosen(logger, request.ChatId, language);
        await telegram.AnswerCallbackAsync(request.ChatId, press.Id, BotMessages.LanguageSaved(language), ct);
        await telegram.EditHtmlAsync(request.ChatId, press.Message!.MessageId, BotMessages.LanguageTitle(language), Keyboard(language), ct);
        return BotResult.NoReply;
    }

    /// <summary>One button per language, each named in its own language; the current one is marked.</summary>
    private static InlineKeyboardMarkup Keyboard(string current) => new(
        Languages.All.Select(l => new[] { InlineKeyboardButton.WithCallbackData((l == current ? "✅ " : "") + NameOf(l), Prefix + l) }));

    public static string NameOf(string language) => language == Languages.English ? "🇬🇧 English" : "🇷🇺 Русский";

    [LoggerMessage(Level = LogLevel.Information, Message = "Chat {ChatId} chose the language {Language}")]
    private static partial void LogChosen(ILogger logger, string chatId, string language);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A language button press from user {TelegramId} in chat {ChatId} is not one the bot drew for them; answered, nothing changed")]
    private static partial void LogUnknownPress(ILogger logger, long telegramId, string chatId);
}
