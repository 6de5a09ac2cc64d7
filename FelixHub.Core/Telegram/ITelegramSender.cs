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

    /// <summary>Sends a photo by URL with an HTML caption (at most 1,024 characters); same pipeline and classification as text.</summary>
    Task<TelegramSendResult> SendPhotoAsync(string chatId, string photoUrl, string htmlCaption, CancellationToken cancellationToken);
}
