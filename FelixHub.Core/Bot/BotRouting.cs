using System.Globalization;
using Telegram.Bot.Types;
using Telegram.Bot.Types.Enums;
using Telegram.Bot.Types.ReplyMarkups;

namespace FelixHub.Core.Bot;

/// <summary>
/// One update from a chat, as routes see it. <see cref="Command"/> is the leading <c>/command</c>
/// (lower case, without <c>@botname</c>), <see cref="Argument"/> the rest of the line.
/// </summary>
public sealed record BotRequest(Update Update, string ChatId, ChatType ChatType, long? FromUserId, string? Text, string? Command, string? Argument)
{
    public bool IsPrivate => ChatType == ChatType.Private;

    public bool IsMessage => Update.Message is not null;

    public static BotRequest From(Update update, Chat chat)
    {
        var text = update.Message?.Text;
        string? command = null, argument = null;
        if (text is { Length: > 1 } && text[0] == '/')
        {
            var space = text.IndexOfAny([' ', '\n', '\t']);
            var word = space < 0 ? text : text[..space];
            var at = word.IndexOf('@', StringComparison.Ordinal);
            command = (at < 0 ? word : word[..at]).ToLowerInvariant();
            argument = space < 0 ? null : text[(space + 1)..].Trim() is { Length: > 0 } rest ? rest : null;
        }
        var from = update.Message?.From ?? update.CallbackQuery?.From;
        return new BotRequest(update, chat.Id.ToString(CultureInfo.InvariantCulture), chat.Type, from?.Id, text, command, argument);
    }
}

/// <summary>What a route did: a reply to send (Telegram HTML, values escaped, optionally with a keyboard), or nothing to say.</summary>
public sealed record BotResult(string? ReplyHtml, ReplyMarkup? Markup = null)
{
    public static BotResult Reply(string html, ReplyMarkup? markup = null) => new(html, markup);

    /// <summary>
    /// What starts only once the reply has been sent (whatever its outcome) and the update committed — e.g.
    /// the initial sync after «Ключ принят», so no message it causes can reach the chat before the reply.
    /// </summary>
    public Func<CancellationToken, Task>? AfterReply { get; init; }

    public static BotResult NoReply { get; } = new((string?)null);
}

/// <summary>
/// A part of the bot's conversation. Routes are asked in <see cref="Order"/>; the first that returns a
/// result has handled the update (null: not mine). They run inside the update's transaction, so what
/// they write commits exactly when the update counts as handled. The last route answers everything
/// (help): the one-time links of mechanics and booking users (100), order-notification settings (120), the mechanic's status buttons (150), the seller's onboarding and
/// «Уведомления» (200), the help (last).
/// </summary>
public interface IBotRoute
{
    int Order { get; }

    Task<BotResult?> HandleAsync(BotRequest request, CancellationToken cancellationToken);
}
