using FelixHub.Core.Orders;
using FelixHub.Core.Persistence;
using FelixHub.Core.Telegram;
using FelixHub.Core.Wildberries;
using FelixHub.Core.Wildberries.Cabinets;
using FelixHub.Core.Wildberries.Data;
using FelixHub.Core.Wildberries.Notifications;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Telegram.Bot.Types;
using Telegram.Bot.Types.ReplyMarkups;

namespace FelixHub.Core.Bot;

/// <summary>
/// The seller's side of the bot (seed 003): <c>/start</c> registers the user and asks for the WB API
/// key; the next text is the key — deleted from the chat at once, then checked and registered by
/// <see cref="CabinetService.RegisterKeyAsync"/>, the same code as <c>POST /api/cabinets</c>; a refused
/// key gets a clear message and the bot waits for another. The main menu comes with the "initial sync
/// complete" message (the sync job's completion path), never before. «🔔 Уведомления» opens the
/// switches as an inline keyboard; a press saves the setting (the same settings the API serves),
/// answers the press and redraws the keyboard. Runs inside the update's transaction: the conversation
/// state in <c>telegram_sellers</c> commits with the update.
/// </summary>
internal sealed partial class SellerRoute(
    FelixHubDbContext db,
    CabinetService cabinets,
    ITelegramSender telegram,
    TimeProvider time,
    ILogger<SellerRoute> logger) : IBotRoute
{
    private enum CabinetStatus
    {
        None,
        Syncing,
        Active,
    }

    public int Order => 200;

    public async Task<BotResult?> HandleAsync(BotRequest request, CancellationToken cancellationToken)
    {
        if (request.Update.CallbackQuery is { } press) return await PressAsync(request, press, cancellationToken);
        if (!request.IsPrivate || request.Update.Message is not { } message || message.From is not { IsBot: false } from) return null;

        var language = request.Language;
        var seller = await db.Set<SellerChat>().SingleOrDefaultAsync(s => s.TelegramId == from.Id, cancellationToken);
        if (request.Command == "/start")
        {
            // A mechanic linked by their link who says /start again is not a seller: the welcome is theirs.
            if (seller is null && await db.Mechanics.AnyAsync(m => m.TelegramId == request.ChatId, cancellationToken)) return null;
            return await StartAsync(seller, from, language, cancellationToken);
        }
        if (SellerMenu.IsNotificationsRequest(request.Text, request.Command)) return await NotificationsAsync(from.Id, language, cancellationToken);
        if (SellerMenu.IsReplaceKeyRequest(request.Text, request.Command)) return await AskNewKeyAsync(seller, from, language, cancellationToken);
        if (SellerMenu.IsLeaveRequest(request.Text, request.Command))
            return await db.Set<CabinetUser>().AnyAsync(u => u.TelegramId == from.Id, cancellationToken)
                ? BotResult.Reply(BotMessages.Seller("seller_confirm_leave", language), SellerMenu.LeaveKeyboardIn(language))
                : BotResult.Reply(BotMessages.Seller("seller_leave_nothing", language));
        if (request.Command == "/menu")
        {
            if (seller?.State == SellerChatState.AwaitingNewKey) seller.State = SellerChatState.Registered; // the replacement called off
            return await MenuAsync(from.Id, language, cancellationToken);
        }
        if (seller?.State == SellerChatState.AwaitingKey && request.Command is null && request.Text is { } key)
            return await ReadKeyAsync(request.ChatId, message.MessageId, seller, key, language, cancellationToken);
        if (seller?.State == SellerChatState.AwaitingNewKey && request.Command is null && request.Text is { } newKey)
            return await ReadNewKeyAsync(request.ChatId, message.MessageId, seller, newKey, language, cancellationToken);
        return null;
    }

    private async Task<BotResult> StartAsync(SellerChat? seller, User from, string language, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (seller is null)
        {
            seller = new SellerChat { TelegramId = from.Id, State = SellerChatState.AwaitingKey, CreatedAt = now };
            db.Set<SellerChat>().Add(seller);
            LogRegistered(logger, from.Id);
        }
        seller.Username = Cut(from.Username, 64);
        seller.FirstName = Cut(from.FirstName, 128);
        seller.UpdatedAt = now;

        switch (await StatusAsync(from.Id, ct))
        {
            case CabinetStatus.Active:
                seller.State = SellerChatState.Registered;
                return BotResult.Reply(BotMessages.Seller("seller_main_menu", language), SellerMenu.MainKeyboardIn(language));
            case CabinetStatus.Syncing:
                seller.State = SellerChatState.Registered;
                return BotResult.Reply(BotMessages.Seller("seller_syncing", language));
            default:
                seller.State = SellerChatState.AwaitingKey;
                seller.RefusedKeys = 0;
                return BotResult.Reply(BotMessages.Seller("seller_ask_key", language), new ReplyKeyboardRemove());
        }
    }

    private async Task<BotResult> ReadKeyAsync(string chatId, int messageId, SellerChat seller, string key, string language, CancellationToken ct)
    {
        // The key leaves the chat before anything else happens to it.
        var deleted = await telegram.DeleteMessageAsync(chatId, messageId, ct);
        if (!deleted.IsSent) LogKeyNotDeleted(logger, seller.TelegramId, deleted.Error);

        CabinetRegistration registration;
        try
        {
            // Nothing starts before the reply is out (issue 21 §6): the sync and its messages come after it.
            registration = await cabinets.RegisterKeyAsync(seller.TelegramId, key, ct, start: false);
        }
        catch (WbUnavailableException ex)
        {
            LogWbUnavailable(logger, seller.TelegramId, ex.Message);
            return BotResult.Reply(BotMessages.Seller("seller_wb_unavailable", language));
        }

        seller.UpdatedAt = time.GetUtcNow();
        if (registration.Refusal is { } refusal)
        {
            seller.RefusedKeys++;
            LogKeyRefused(logger, seller.TelegramId, refusal.Kind, seller.RefusedKeys);
            return BotResult.Reply(RefusalText(refusal, language));
        }

        seller.State = SellerChatState.Registered;
        seller.RefusedKeys = 0;
        LogKeyAccepted(logger, seller.TelegramId, registration.CabinetId, registration.State);
        // What the key's missing categories cost, said before anything else happens.
        var missing = registration.MissingCategories.Count > 0 ? "\n\n" + WbMessages.MissingCategories(registration.MissingCategories, language) : "";
        var telegramId = seller.TelegramId;
        var reply = registration.State == CabinetState.Active
            ? BotResult.Reply(BotMessages.Seller("seller_key_accepted_synced", language) + missing + "\n\n" + BotMessages.Seller("seller_main_menu", language), SellerMenu.MainKeyboardIn(language))
            : BotResult.Reply(BotMessages.Seller("seller_key_accepted", language) + missing); // the menu comes with the "initial sync complete" message
        // The reply to a key already synced carries the menu itself: no second "sync complete" message.
        return reply with { AfterReply = t => cabinets.StartAsync(registration, telegramId, announceSynced: false, t) };
    }

    /// <summary>«🔑 Сменить ключ»: for a user with a cabinet (whatever its state — a rejected key is what it is for), the next text is the new key.</summary>
    private async Task<BotResult> AskNewKeyAsync(SellerChat? seller, User from, string language, CancellationToken ct)
    {
        if (!await db.Set<CabinetUser>().AnyAsync(u => u.TelegramId == from.Id, ct)) return BotResult.Reply(BotMessages.Seller("seller_key_needed_first", language));
        var now = time.GetUtcNow();
        if (seller is null)
        {
            seller = new SellerChat { TelegramId = from.Id, State = SellerChatState.AwaitingNewKey, CreatedAt = now };
            db.Set<SellerChat>().Add(seller);
        }
        seller.State = SellerChatState.AwaitingNewKey;
        seller.RefusedKeys = 0;
        seller.UpdatedAt = now;
        return BotResult.Reply(BotMessages.Seller("seller_ask_new_key", language));
    }

    /// <summary>The new key: deleted from the chat at once, then <see cref="CabinetService.ReplaceKeyForUserAsync"/> (the same checks as <c>PUT /api/cabinets/{id}/key</c>).</summary>
    private async Task<BotResult> ReadNewKeyAsync(string chatId, int messageId, SellerChat seller, string key, string language, CancellationToken ct)
    {
        var deleted = await telegram.DeleteMessageAsync(chatId, messageId, ct);
        if (!deleted.IsSent) LogKeyNotDeleted(logger, seller.TelegramId, deleted.Error);

        CabinetRegistration? replaced;
        try
        {
            replaced = await cabinets.ReplaceKeyForUserAsync(seller.TelegramId, key, ct);
        }
        catch (WbUnavailableException ex)
        {
            LogWbUnavailable(logger, seller.TelegramId, ex.Message);
            return BotResult.Reply(BotMessages.Seller("seller_wb_unavailable", language));
        }

        seller.UpdatedAt = time.GetUtcNow();
        if (replaced is null)
        {
            seller.State = SellerChatState.AwaitingKey; // the cabinet went away meanwhile: the next key registers one
            return BotResult.Reply(BotMessages.Seller("seller_key_needed_first", language));
        }
        if (replaced.Refusal is { } refusal)
        {
            seller.RefusedKeys++;
            LogKeyRefused(logger, seller.TelegramId, refusal.Kind, seller.RefusedKeys);
            return BotResult.Reply(RefusalText(refusal, language));
        }

        seller.State = SellerChatState.Registered;
        seller.RefusedKeys = 0;
        LogKeyReplaced(logger, seller.TelegramId, replaced.CabinetId);
        var missing = replaced.MissingCategories.Count > 0 ? "\n\n" + WbMessages.MissingCategories(replaced.MissingCategories, language) : "";
        return replaced.State == CabinetState.Active
            ? BotResult.Reply(BotMessages.KeyReplaced(replaced.ExpiresAt, language) + missing, SellerMenu.MainKeyboardIn(language))
            : BotResult.Reply(BotMessages.KeyReplaced(replaced.ExpiresAt, language) + missing + "\n\n" + BotMessages.Seller("seller_syncing", language));
    }

    private async Task<BotResult> MenuAsync(long telegramId, string language, CancellationToken ct) => await StatusAsync(telegramId, ct) switch
    {
        CabinetStatus.Active => BotResult.Reply(BotMessages.Seller("seller_main_menu", language), SellerMenu.MainKeyboardIn(language)),
        CabinetStatus.Syncing => BotResult.Reply(BotMessages.Seller("seller_syncing", language)),
        _ => BotResult.Reply(BotMessages.Seller("seller_key_needed_first", language)),
    };

    private async Task<BotResult> NotificationsAsync(long telegramId, string language, CancellationToken ct)
    {
        switch (await StatusAsync(telegramId, ct))
        {
            case CabinetStatus.Active:
                var settings = await cabinets.GetSettingsAsync(telegramId, ct);
                return BotResult.Reply(BotMessages.Seller("seller_settings", language), SellerMenu.SettingsKeyboard(settings, language));
            case CabinetStatus.Syncing:
                return BotResult.Reply(BotMessages.Seller("seller_syncing", language));
            default:
                return BotResult.Reply(BotMessages.Seller("seller_key_needed_first", language));
        }
    }

    /// <summary>
    /// Every press is answered (or Telegram shows a spinner); only a switch the bot drew, pressed by the
    /// user in their own private chat with a synced cabinet, changes anything — and only their settings.
    /// </summary>
    private async Task<BotResult> PressAsync(BotRequest request, CallbackQuery press, CancellationToken ct)
    {
        var language = request.Language;
        var userId = press.From.Id;
        if ((press.Data is SellerMenu.LeaveConfirmData or SellerMenu.LeaveCancelData) && request.IsPrivate && press.Message?.Chat.Id == userId)
            return await LeavePressAsync(request, press, ct);
        if (press.Data?.StartsWith(DigestMenu.CallbackPrefix, StringComparison.Ordinal) == true && request.IsPrivate && press.Message?.Chat.Id == userId)
            return await DigestPressAsync(request, press, ct);
        if (!SellerMenu.TryParse(press.Data, out var setting, out var value) || !request.IsPrivate || press.Message?.Chat.Id != userId)
        {
            LogUnknownPress(logger, userId, request.ChatId);
            await telegram.AnswerCallbackAsync(request.ChatId, press.Id, BotMessages.UnknownButtonIn(language), ct);
            return BotResult.NoReply;
        }

        var status = await StatusAsync(userId, ct);
        if (status != CabinetStatus.Active)
        {
            await telegram.AnswerCallbackAsync(request.ChatId, press.Id, status == CabinetStatus.Syncing ? BotMessages.Seller("seller_syncing", language) : BotMessages.Seller("seller_key_needed_first", language), ct);
            return BotResult.NoReply;
        }

        var updated = setting.Set(await cabinets.GetSettingsAsync(userId, ct), value);
        await cabinets.PutSettingsAsync(userId, updated, ct);
        LogSwitched(logger, userId, setting.Name, value);
        await telegram.AnswerCallbackAsync(request.ChatId, press.Id, SellerMenu.Describe(setting, value, language), ct);
        await telegram.EditReplyMarkupAsync(request.ChatId, press.Message.MessageId, SellerMenu.SettingsKeyboard(updated, language), ct);
        return BotResult.NoReply;
    }

    /// <summary>
    /// The «🗞 Сводки» menu (<see cref="DigestMenu"/>): «open» shows it in place of the switches, «back»
    /// shows the switches again, and a mode or time button saves that value (the same settings
    /// <c>PATCH /api/users/{id}/digest-settings</c> changes), answers the press and redraws the menu.
    /// </summary>
    private async Task<BotResult> DigestPressAsync(BotRequest request, CallbackQuery press, CancellationToken ct)
    {
        var language = request.Language;
        var userId = press.From.Id;
        var messageId = press.Message!.MessageId;
        var status = await StatusAsync(userId, ct);
        if (status != CabinetStatus.Active)
        {
            await telegram.AnswerCallbackAsync(request.ChatId, press.Id, status == CabinetStatus.Syncing ? BotMessages.Seller("seller_syncing", language) : BotMessages.Seller("seller_key_needed_first", language), ct);
            return BotResult.NoReply;
        }
        if (press.Data == DigestMenu.BackData)
        {
            await telegram.AnswerCallbackAsync(request.ChatId, press.Id, null, ct);
            await telegram.EditHtmlAsync(request.ChatId, messageId, BotMessages.Seller("seller_settings", language), SellerMenu.SettingsKeyboard(await cabinets.GetSettingsAsync(userId, ct), language), ct);
            return BotResult.NoReply;
        }
        DigestSettingsResponse settings;
        if (press.Data == DigestMenu.OpenData)
        {
            settings = await cabinets.GetDigestSettingsAsync(userId, ct);
            await telegram.AnswerCallbackAsync(request.ChatId, press.Id, null, ct);
        }
        else if (DigestMenu.TryParse(press.Data, out var change, out var answer, language))
        {
            settings = await cabinets.UpdateDigestSettingsAsync(userId, change, ct);
            LogDigestSet(logger, userId, press.Data!);
            await telegram.AnswerCallbackAsync(request.ChatId, press.Id, answer, ct);
        }
        else
        {
            LogUnknownPress(logger, userId, request.ChatId);
            await telegram.AnswerCallbackAsync(request.ChatId, press.Id, BotMessages.UnknownButtonIn(language), ct);
            return BotResult.NoReply;
        }
        await telegram.EditHtmlAsync(request.ChatId, messageId, DigestMenu.Text(settings, language), DigestMenu.Keyboard(settings, language), ct);
        return BotResult.NoReply;
    }

    /// <summary>
    /// «Да, отключить» / «Отмена» under «Отключить кабинет?»: the buttons go away either way (a second press
    /// finds nothing to leave); «Да» leaves every cabinet of the user (<see cref="CabinetService.LeaveAllAsync"/>),
    /// the last user of a cabinet taking its key and data with them, and the main menu is taken down.
    /// </summary>
    private async Task<BotResult> LeavePressAsync(BotRequest request, CallbackQuery press, CancellationToken ct)
    {
        var language = request.Language;
        var userId = press.From.Id;
        await telegram.EditReplyMarkupAsync(request.ChatId, press.Message!.MessageId, null, ct);
        if (press.Data == SellerMenu.LeaveCancelData)
        {
            await telegram.AnswerCallbackAsync(request.ChatId, press.Id, BotMessages.LeaveCancelledIn(language), ct);
            return BotResult.NoReply;
        }

        var left = await cabinets.LeaveAllAsync(userId, ct);
        await telegram.AnswerCallbackAsync(request.ChatId, press.Id, null, ct);
        if (left.Count == 0) return BotResult.Reply(BotMessages.Seller("seller_leave_nothing", language));
        var seller = await db.Set<SellerChat>().SingleOrDefaultAsync(s => s.TelegramId == userId, ct);
        if (seller is not null)
        {
            seller.State = SellerChatState.Registered; // no cabinet: /start asks for a key again
            seller.UpdatedAt = time.GetUtcNow();
        }
        LogLeft(logger, userId, left.Count, left.Count(l => l.Deleted));
        return BotResult.Reply(BotMessages.Left(left.All(l => l.Deleted), language), new ReplyKeyboardRemove());
    }

    /// <summary>Synced if any of the user's cabinets is active, syncing if one is in its initial sync; a cabinet whose key WB rejected does not count.</summary>
    private async Task<CabinetStatus> StatusAsync(long telegramId, CancellationToken ct)
    {
        var states = await db.Set<CabinetUser>().Where(u => u.TelegramId == telegramId)
            .Join(db.Set<WbCabinet>(), u => u.CabinetId, c => c.Id, (_, c) => c.State)
            .Distinct().ToListAsync(ct);
        return states.Contains(CabinetState.Active) ? CabinetStatus.Active
            : states.Contains(CabinetState.InitialSync) ? CabinetStatus.Syncing
            : CabinetStatus.None;
    }

    /// <summary>What the seller is told about a refused key, at registration and at replacement alike.</summary>
    private static string RefusalText(KeyRefusalDetails refusal, string language) => refusal.Kind switch
    {
        KeyRefusal.Expired => BotMessages.KeyExpired(refusal.ExpiredAt, language),
        KeyRefusal.RejectedByWb => BotMessages.KeyRejected(refusal.WbStatus, refusal.WbReason, language),
        KeyRefusal.NoStatistics => BotMessages.Seller("seller_key_without_statistics", language),
        KeyRefusal.OtherSeller => BotMessages.Seller("seller_key_of_another_seller", language),
        KeyRefusal.InUse => BotMessages.Seller("seller_key_in_use", language),
        _ => BotMessages.Seller("seller_key_malformed", language),
    };

    private static string? Cut(string? value, int length) => value is null || value.Length <= length ? value : value[..length];

    [LoggerMessage(Level = LogLevel.Information, Message = "Seller {TelegramId} started the bot; asking for a WB API key")]
    private static partial void LogRegistered(ILogger logger, long telegramId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The message with seller {TelegramId}'s WB key could not be deleted from the chat: {Error}")]
    private static partial void LogKeyNotDeleted(ILogger logger, long telegramId, string? error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Seller {TelegramId}'s WB key could not be checked now: {Error}; asked to send it again")]
    private static partial void LogWbUnavailable(ILogger logger, long telegramId, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Seller {TelegramId} sent a WB key that was refused ({Refusal}, refusal #{Refusals}); waiting for another")]
    private static partial void LogKeyRefused(ILogger logger, long telegramId, KeyRefusal refusal, int refusals);

    [LoggerMessage(Level = LogLevel.Information, Message = "Seller {TelegramId}'s WB key accepted: cabinet {CabinetId} ({State})")]
    private static partial void LogKeyAccepted(ILogger logger, long telegramId, long cabinetId, string state);

    [LoggerMessage(Level = LogLevel.Information, Message = "Seller {TelegramId} left {Cabinets} WB cabinet(s) in the bot; {Deleted} deleted with their data")]
    private static partial void LogLeft(ILogger logger, long telegramId, int cabinets, int deleted);

    [LoggerMessage(Level = LogLevel.Information, Message = "Seller {TelegramId} replaced the WB key of cabinet {CabinetId}")]
    private static partial void LogKeyReplaced(ILogger logger, long telegramId, long cabinetId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Seller {TelegramId} switched {Setting} to {Value}")]
    private static partial void LogSwitched(ILogger logger, long telegramId, string setting, bool value);

    [LoggerMessage(Level = LogLevel.Information, Message = "Seller {TelegramId} set digests: {Press}")]
    private static partial void LogDigestSet(ILogger logger, long telegramId, string press);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A button press from user {TelegramId} in chat {ChatId} is not one the bot drew; answered, nothing changed")]
    private static partial void LogUnknownPress(ILogger logger, long telegramId, string chatId);
}
