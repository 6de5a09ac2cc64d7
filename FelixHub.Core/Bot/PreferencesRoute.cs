using FelixHub.Core.Orders;
using FelixHub.Core.Persistence;
using FelixHub.Core.Recipients;
using FelixHub.Core.Telegram;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Telegram.Bot.Types;
using Telegram.Bot.Types.ReplyMarkups;

namespace FelixHub.Core.Bot;

/// <summary>
/// <c>/settings</c>: a mechanic (a chat linked to a mechanic) or a customer (a chat named as an order's
/// customer) chooses which order notifications they get. The switches are an inline keyboard; a press
/// saves the choice through <see cref="RecipientPreferencesService"/> (the same as
/// <c>PATCH /api/recipients/{telegramId}/preferences</c>), answers and redraws the keyboard. A button
/// carries the value it sets (<c>rp:s:0</c> = status changes off), so a double press sets the same value
/// twice instead of flipping it back. Only the chat's own user, in their private chat, changes anything.
/// </summary>
internal sealed partial class PreferencesRoute(
    FelixHubDbContext db,
    RecipientPreferencesService preferences,
    ITelegramSender telegram,
    ILogger<PreferencesRoute> logger) : IBotRoute
{
    public const string Command = "/settings";
    private const string Prefix = "rp:";

    public int Order => 120;

    private sealed record Role(bool Mechanic, bool Customer);

    public async Task<BotResult?> HandleAsync(BotRequest request, CancellationToken cancellationToken)
    {
        if (request.Update.CallbackQuery is { } press)
            return press.Data?.StartsWith(Prefix, StringComparison.Ordinal) == true ? await PressAsync(request, press, cancellationToken) : null;
        if (request.Command != Command || !request.IsPrivate || !request.IsMessage) return null;

        var role = await RoleAsync(request.ChatId, cancellationToken);
        if (role is null) return BotResult.Reply(BotMessages.Text("bot_preferences_not_for_you", request.Language));
        var current = await preferences.GetAsync(request.ChatId, cancellationToken);
        return BotResult.Reply(BotMessages.Text("bot_preferences_title", request.Language), Keyboard(role, current, request.Language));
    }

    private async Task<BotResult> PressAsync(BotRequest request, CallbackQuery press, CancellationToken ct)
    {
        var role = request.IsPrivate && press.Message?.Chat.Id == press.From.Id ? await RoleAsync(request.ChatId, ct) : null;
        if (role is null || !TryParse(press.Data!, out var choice, out var on) || !Shows(role, choice))
        {
            LogUnknownPress(logger, press.From.Id, request.ChatId);
            await telegram.AnswerCallbackAsync(request.ChatId, press.Id, BotMessages.PreferencesUnknownButtonIn(request.Language), ct);
            return BotResult.NoReply;
        }

        var change = choice switch
        {
            RecipientPreference.StatusChanges => new UpdateRecipientPreferencesRequest(on, null, null),
            RecipientPreference.Assignments => new UpdateRecipientPreferencesRequest(null, on, null),
            _ => new UpdateRecipientPreferencesRequest(null, null, on),
        };
        var updated = await preferences.UpdateAsync(request.ChatId, change, ct);
        LogSwitched(logger, request.ChatId, choice, on);
        await telegram.AnswerCallbackAsync(request.ChatId, press.Id, BotMessages.PreferenceSwitched(Name(choice, request.Language), on, request.Language), ct);
        await telegram.EditReplyMarkupAsync(request.ChatId, press.Message!.MessageId, Keyboard(role, updated, request.Language), ct);
        return BotResult.NoReply;
    }

    /// <summary>Mechanic: the chat is an active mechanic's linked chat; customer: some order names it as its customer's. Neither: null.</summary>
    private async Task<Role?> RoleAsync(string chatId, CancellationToken ct)
    {
        var mechanic = await db.Mechanics.AnyAsync(m => m.TelegramId == chatId && m.Active, ct);
        var customer = await db.Orders.AnyAsync(o => o.CustomerTelegramId == chatId, ct);
        return mechanic || customer ? new Role(mechanic, customer) : null;
    }

    private static bool Shows(Role role, RecipientPreference choice) => choice switch
    {
        RecipientPreference.StatusChanges => true,
        RecipientPreference.Assignments => role.Mechanic,
        RecipientPreference.Ready => role.Customer,
        _ => false,
    };

    private static InlineKeyboardMarkup Keyboard(Role role, RecipientPreferencesResponse p, string language)
    {
        var rows = new List<InlineKeyboardButton[]> { Button(RecipientPreference.StatusChanges, p.StatusChanges, language) };
        if (role.Mechanic) rows.Add(Button(RecipientPreference.Assignments, p.Assignments, language));
        if (role.Customer) rows.Add(Button(RecipientPreference.Ready, p.Ready, language));
        return new InlineKeyboardMarkup(rows);
    }

    /// <summary>A switch showing its state; pressing it sets the opposite.</summary>
    private static InlineKeyboardButton[] Button(RecipientPreference choice, bool on, string language) =>
        [InlineKeyboardButton.WithCallbackData($"{(on ? "✅" : "🔕")} {Name(choice, language)}", $"{Prefix}{Code(choice)}:{(on ? 0 : 1)}")];

    private static string Name(RecipientPreference choice, string language) => (choice, language == Templates.Languages.English) switch
    {
        (RecipientPreference.StatusChanges, false) => "Смена статуса",
        (RecipientPreference.Assignments, false) => "Назначение заказа",
        (_, false) => "Заказ готов",
        (RecipientPreference.StatusChanges, true) => "Status changes",
        (RecipientPreference.Assignments, true) => "Assignments",
        _ => "Order ready",
    };

    private static char Code(RecipientPreference choice) => choice switch
    {
        RecipientPreference.StatusChanges => 's',
        RecipientPreference.Assignments => 'a',
        _ => 'r',
    };

    private static bool TryParse(string data, out RecipientPreference choice, out bool on)
    {
        choice = default;
        on = false;
        if (data.Length != Prefix.Length + 3 || data[Prefix.Length + 1] != ':' || data[^1] is not ('0' or '1')) return false;
        on = data[^1] == '1';
        switch (data[Prefix.Length])
        {
            case 's': choice = RecipientPreference.StatusChanges; return true;
            case 'a': choice = RecipientPreference.Assignments; return true;
            case 'r': choice = RecipientPreference.Ready; return true;
            default: return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Chat {ChatId} switched its order notifications {Choice} to {On}")]
    private static partial void LogSwitched(ILogger logger, string chatId, RecipientPreference choice, bool on);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A settings button press from user {TelegramId} in chat {ChatId} is not one the bot drew for them; answered, nothing changed")]
    private static partial void LogUnknownPress(ILogger logger, long telegramId, string chatId);
}
