using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;

namespace FelixHub.Core.Bot;

/// <summary>
/// How the bot receives its updates and talks to people. Bound to the <c>Telegram</c> section beside
/// <see cref="Telegram.TelegramOptions"/> (same token, same <c>ApiBaseUrl</c>).
/// </summary>
public sealed partial class BotOptions : IValidatableObject
{
    public const string Section = "Telegram";

    /// <summary>Receive updates at all (off: the bot only sends). Needs <c>Telegram:BotToken</c>.</summary>
    public bool ReceiveUpdates { get; set; } = true;

    /// <summary>Empty: long polling (<c>getUpdates</c>) by one replica at a time. Set (https): the webhook
    /// <c>POST /telegram/webhook</c> on every replica, registered with <c>setWebhook</c> at start.</summary>
    public string WebhookUrl { get; set; } = "";

    /// <summary>Telegram sends it as <c>X-Telegram-Bot-Api-Secret-Token</c> on every webhook call; required with <see cref="WebhookUrl"/>. Never logged.</summary>
    public string WebhookSecret { get; set; } = "";

    /// <summary>
    /// Signs the callback data of the mechanics' status buttons (at least 32 characters). Empty: a key
    /// derived from the bot token, so a new token retires the buttons already sent. Never logged.
    /// </summary>
    public string CallbackSecret { get; set; } = "";

    /// <summary>The bot's @username for links (<c>https://t.me/&lt;bot&gt;?start=...</c>); empty: asked once with <c>getMe</c>.</summary>
    public string BotUsername { get; set; } = "";

    /// <summary>How long a one-time Telegram link (a mechanic's or a booking user's) works.</summary>
    [Range(1, 43_200)]
    public int LinkTokenMinutes { get; set; } = 60;

    /// <summary>Long-polling timeout of one <c>getUpdates</c> call (0: short polling, for tests only).</summary>
    [Range(0, 60)]
    public int PollTimeoutSeconds { get; set; } = 25;

    [Range(1, 100)]
    public int PollLimit { get; set; } = 100;

    /// <summary>How often a replica that does not poll tries to take over (an advisory lock in PostgreSQL).</summary>
    [Range(0.05, 600)]
    public double LeaderRetrySeconds { get; set; } = 5;

    /// <summary>Longest wait between two failed <c>getUpdates</c> (1 s doubling up to this).</summary>
    [Range(0.05, 600)]
    public double PollErrorMaxDelaySeconds { get; set; } = 30;

    /// <summary>Replies to one chat within a minute; further updates from it are acknowledged without a reply.</summary>
    [Range(1, 10_000)]
    public int RepliesPerChatPerMinute { get; set; } = 20;

    /// <summary>How long handled update ids (and spent link tokens) are kept; the daily clean-up removes older ones.</summary>
    [Range(1, 3650)]
    public int HandledUpdateRetentionDays { get; set; } = 7;

    public bool IsWebhookMode => !string.IsNullOrWhiteSpace(WebhookUrl);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (IsWebhookMode)
        {
            if (!Uri.TryCreate(WebhookUrl, UriKind.Absolute, out var url) || url.Scheme != Uri.UriSchemeHttps)
                yield return new ValidationResult("Telegram:WebhookUrl must be an absolute https URL (Telegram calls webhooks over HTTPS only).", [nameof(WebhookUrl)]);
            if (!SecretPattern().IsMatch(WebhookSecret))
                yield return new ValidationResult("Telegram:WebhookSecret is required with a webhook: 16-256 characters of A-Z a-z 0-9 _ -.", [nameof(WebhookSecret)]);
        }
        if (CallbackSecret.Length is > 0 and < 32)
            yield return new ValidationResult("Telegram:CallbackSecret must be at least 32 characters (or empty: derived from the bot token).", [nameof(CallbackSecret)]);
        if (BotUsername.Length > 0 && !UsernamePattern().IsMatch(BotUsername))
            yield return new ValidationResult("Telegram:BotUsername must be the bot's username (5-32 characters of A-Z a-z 0-9 _), with or without @.", [nameof(BotUsername)]);
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{16,256}$")]
    private static partial Regex SecretPattern();

    [GeneratedRegex("^@?[A-Za-z][A-Za-z0-9_]{4,31}$")]
    private static partial Regex UsernamePattern();
}
