using Telegram.Bot.Types.ReplyMarkups;

namespace FelixHub.Core.Telegram;

/// <summary>
/// The one way FelixHub talks to Telegram: every feature sends through it, so escaping, retries,
/// rate limits and the classification of Telegram's answers live in one place.
/// </summary>
public interface ITelegramSender
{
    bool IsConfigured { get; }

    /// <summary>Sends an HTML message (the caller escapes user values with <see cref="TelegramHtml.Escape"/>).</summary>
    Task<TelegramSendResult> SendHtmlAsync(string chatId, string html, CancellationToken cancellationToken);

    /// <summary>Sends an HTML message with a keyboard (inline buttons, or a reply keyboard / its removal).</summary>
    Task<TelegramSendResult> SendHtmlAsync(string chatId, string html, ReplyMarkup? replyMarkup, CancellationToken cancellationToken);

    /// <summary>The same; <paramref name="silent"/> sends it without sound (Telegram's <c>disable_notification</c>: quiet hours).</summary>
    Task<TelegramSendResult> SendHtmlAsync(string chatId, string html, ReplyMarkup? replyMarkup, bool silent, CancellationToken cancellationToken);

    /// <summary>Replaces the inline keyboard under one of the bot's messages (<c>editMessageReplyMarkup</c>).</summary>
    Task<TelegramSendResult> EditReplyMarkupAsync(string chatId, int messageId, InlineKeyboardMarkup? replyMarkup, CancellationToken cancellationToken);

    /// <summary>Replaces the text (HTML) and the inline keyboard of one of the bot's messages (<c>editMessageText</c>); a null keyboard removes it.</summary>
    Task<TelegramSendResult> EditHtmlAsync(string chatId, int messageId, string html, InlineKeyboardMarkup? replyMarkup, CancellationToken cancellationToken);

    /// <summary>Deletes a message from a chat (<c>deleteMessage</c>); not paced as a message.</summary>
    Task<TelegramSendResult> DeleteMessageAsync(string chatId, int messageId, CancellationToken cancellationToken);

    /// <summary>Answers a button press in <paramref name="chatId"/> (<c>answerCallbackQuery</c>), optionally with a short notice; not paced as a message.</summary>
    Task<TelegramSendResult> AnswerCallbackAsync(string chatId, string callbackQueryId, string? text, CancellationToken cancellationToken);

    /// <summary>Sends a photo by URL with an HTML caption (at most 1,024 characters); same pipeline and classification as text.</summary>
    Task<TelegramSendResult> SendPhotoAsync(string chatId, string photoUrl, string htmlCaption, CancellationToken cancellationToken);

    /// <summary>The same; <paramref name="silent"/> sends it without sound (<c>disable_notification</c>).</summary>
    Task<TelegramSendResult> SendPhotoAsync(string chatId, string photoUrl, string htmlCaption, bool silent, CancellationToken cancellationToken);

    /// <summary>
    /// The bulk path: sends a batch of HTML messages at once — the chats of the whole batch are reserved
    /// in one statement, the bot's slots in runs within <paramref name="priority"/>'s horizon, and the
    /// messages go out in parallel, each at its slot (a retry on a slot of its own). A message whose chat is busy (written to within its interval, by this batch or anyone)
    /// is not sent and comes back <see cref="TelegramSendStatus.Deferred"/>, as does any message not
    /// started when <paramref name="cancellationToken"/> fires. Results are in the order of <paramref name="messages"/>.
    /// </summary>
    Task<IReadOnlyList<TelegramSendResult>> SendHtmlBatchAsync(IReadOnlyList<TelegramMessage> messages, TelegramPriority priority, CancellationToken cancellationToken);
}

/// <summary>One message of a batch; <paramref name="Silent"/>: without sound (<c>disable_notification</c>).</summary>
public sealed record TelegramMessage(string ChatId, string Html, bool Silent = false);
