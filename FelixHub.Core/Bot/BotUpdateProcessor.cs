using System.Globalization;
using System.Text.Json;
using FelixHub.Core.Common;
using FelixHub.Core.Persistence;
using FelixHub.Core.Telegram;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Telegram.Bot.Types;
using Telegram.Bot.Types.Enums;

namespace FelixHub.Core.Bot;

/// <summary>
/// Handles one update exactly once, whoever delivers it (the poller, a webhook call, a retry of
/// either). In one transaction: insert the update's row into <c>telegram_updates</c> (a second
/// delivery finds it and stops there), advance <c>telegram_bot_state</c>, apply the flood limit, run
/// the routes, send the reply, record the outcome, commit. If anything throws, nothing is kept and the
/// update is delivered again. The reply goes out before the commit: a crash between the two repeats
/// the update (and the reply) once, never loses it. A route's <see cref="BotResult.AfterReply"/> runs
/// after the commit, so whatever it starts cannot overtake the reply.
/// </summary>
public sealed partial class BotUpdateProcessor(
    FelixHubDbContext db,
    BotClient clients,
    IEnumerable<IBotRoute> routes,
    ITelegramSender telegram,
    IOptionsMonitor<BotOptions> options,
    TimeProvider time,
    ILogger<BotUpdateProcessor> logger)
{
    public const string Pending = "pending";

    /// <summary>The outcome recorded for the update, or null when it had already been handled (a duplicate).</summary>
    public async Task<string?> ProcessAsync(Update update, string source, CancellationToken ct)
    {
        var botId = clients.BotId;
        var chat = ChatOf(update);
        var chatId = chat?.Id.ToString(CultureInfo.InvariantCulture);
        using var updateScope = Correlation.Push("updateId", update.Id);
        using var chatScope = Correlation.Push("chatId", chatId);
        var now = time.GetUtcNow();

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        if (!await ClaimAsync(botId, update, chatId, source, Pending, now, ct))
        {
            LogDuplicate(logger, update.Id, source);
            return null;
        }

        var (outcome, afterReply) = chat is null ? (UpdateOutcomes.Ignored, null) : await HandleAsync(botId, update, chat, chatId!, now, ct);
        await db.Database.ExecuteSqlAsync(
            $"UPDATE telegram_updates SET outcome = {outcome} WHERE bot_id = {botId} AND update_id = {(long)update.Id}", ct);
        await tx.CommitAsync(ct);
        LogHandled(logger, update.Id, KindOf(update), source, outcome);
        if (afterReply is not null) await afterReply(ct);
        return outcome;
    }

    /// <summary>Gives up on an update that kept failing: recorded as <c>failed</c>, so the poller moves past it.</summary>
    public async Task MarkFailedAsync(Update update, string source, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await ClaimAsync(clients.BotId, update, ChatOf(update)?.Id.ToString(CultureInfo.InvariantCulture), source, UpdateOutcomes.Failed, time.GetUtcNow(), ct);
        await tx.CommitAsync(ct);
    }

    private async Task<bool> ClaimAsync(long botId, Update update, string? chatId, string source, string outcome, DateTimeOffset now, CancellationToken ct)
    {
        var kind = KindOf(update);
        // A concurrent delivery of the same update waits here for the first transaction, then finds the row.
        var inserted = await db.Database.ExecuteSqlAsync($"""
            INSERT INTO telegram_updates (bot_id, update_id, chat_id, kind, source, outcome, handled_at)
            VALUES ({botId}, {(long)update.Id}, {chatId}, {kind}, {source}, {outcome}, {now})
            ON CONFLICT DO NOTHING
            """, ct);
        if (inserted == 0) return false;
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO telegram_bot_state (bot_id, last_update_id, updated_at) VALUES ({botId}, {(long)update.Id}, {now})
            ON CONFLICT (bot_id) DO UPDATE SET last_update_id = GREATEST(telegram_bot_state.last_update_id, excluded.last_update_id),
                                               updated_at = excluded.updated_at
            """, ct);
        return true;
    }

    private async Task<(string Outcome, Func<CancellationToken, Task>? AfterReply)> HandleAsync(long botId, Update update, Chat chat, string chatId, DateTimeOffset now, CancellationToken ct)
    {
        // One chat's updates are counted one at a time, whichever replica or webhook call handles them.
        var lockKey = string.Create(CultureInfo.InvariantCulture, $"felixhub.bot.chat:{botId}:{chatId}");
        await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock(hashtextextended({lockKey}, 0))", ct);
        var limit = options.CurrentValue.RepliesPerChatPerMinute;
        var since = now.AddMinutes(-1);
        var recent = db.Set<HandledUpdate>().Where(u => u.BotId == botId && u.ChatId == chatId && u.HandledAt > since);
        if (await recent.CountAsync(u => UpdateOutcomes.Answered.Contains(u.Outcome), ct) >= limit)
        {
            if (!await recent.AnyAsync(u => u.Outcome == UpdateOutcomes.Throttled, ct))
                LogThrottled(logger, chatId, limit);
            return (UpdateOutcomes.Throttled, null);
        }

        var request = BotRequest.From(update, chat);
        BotResult? result = null;
        foreach (var route in routes.OrderBy(r => r.Order))
        {
            result = await route.HandleAsync(request, ct);
            if (result is not null) break;
        }
        await db.SaveChangesAsync(ct);
        if (result?.ReplyHtml is not { } html) return (UpdateOutcomes.NoReply, result?.AfterReply);

        var sent = await telegram.SendHtmlAsync(chatId, html, result.Markup, ct);
        return (sent.Status switch
        {
            TelegramSendStatus.Sent => UpdateOutcomes.Replied,
            TelegramSendStatus.PermanentFailure => UpdateOutcomes.ReplyRefused,
            _ => UpdateOutcomes.ReplyFailed, // the update's effects stand; a reply is not worth redoing them
        }, result.AfterReply);
    }

    private static Chat? ChatOf(Update update) =>
        update.Message?.Chat ?? update.EditedMessage?.Chat ?? update.CallbackQuery?.Message?.Chat
        ?? (update.CallbackQuery?.From is { } from ? new Chat { Id = from.Id, Type = ChatType.Private } : null);

    public static string KindOf(Update update) => JsonNamingPolicy.SnakeCaseLower.ConvertName(update.Type.ToString());

    [LoggerMessage(Level = LogLevel.Information, Message = "Update {UpdateId} ({Kind}, {Source}) handled: {Outcome}")]
    private static partial void LogHandled(ILogger logger, int updateId, string kind, string source, string outcome);

    [LoggerMessage(Level = LogLevel.Information, Message = "Update {UpdateId} ({Source}) was already handled; ignored")]
    private static partial void LogDuplicate(ILogger logger, int updateId, string source);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Chat {ChatId} got {Limit} replies within a minute; its further updates are acknowledged without a reply until the minute passes")]
    private static partial void LogThrottled(ILogger logger, string chatId, int limit);
}
