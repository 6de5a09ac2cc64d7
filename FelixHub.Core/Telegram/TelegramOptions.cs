using System.ComponentModel.DataAnnotations;

namespace FelixHub.Core.Telegram;

public sealed class TelegramOptions : IValidatableObject
{
    public const string Section = "Telegram";

    /// <summary>The bot token. Empty: every send is skipped and logged as an error. Never logged.</summary>
    public string BotToken { get; set; } = "";

    /// <summary>The Bot API server (a local Bot API server or a test double may stand in for Telegram).</summary>
    [Required, Url]
    public string ApiBaseUrl { get; set; } = "https://api.telegram.org";

    /// <summary>Timeout of one HTTP call to the Bot API.</summary>
    [Range(1, 120)]
    public int RequestTimeoutSeconds { get; set; } = 10;

    /// <summary>Retries inside one send (after the first attempt): network errors, 5xx and 429.</summary>
    [Range(0, 10)]
    public int MaxRetryAttempts { get; set; } = 3;

    /// <summary>First backoff delay; it doubles on each retry (1 s, 2 s, 4 s by default).</summary>
    [Range(0, 60_000)]
    public int RetryBaseDelayMilliseconds { get; set; } = 1000;

    /// <summary>The longest <c>retry_after</c> honoured inside one send; a longer one ends the send as transient and the job's retry takes over.</summary>
    [Range(1, 3600)]
    public int MaxRetryAfterSeconds { get; set; } = 60;

    /// <summary>The bot's budget shared by every replica (Telegram: about 30/s; up to 1000/s with paid broadcast). 0 switches it off.</summary>
    [Range(0, 1000)]
    public double GlobalMessagesPerSecond { get; set; } = 28.5;

    /// <summary>Least time between two calls to one chat, shared by every replica (Telegram: 1 message/s per chat). 0 switches it off.</summary>
    [Range(0, 60_000)]
    public int PerChatIntervalMilliseconds { get; set; } = 1000;

    /// <summary>
    /// How far ahead of now a high-priority message (<see cref="TelegramPriority.High"/>: order messages,
    /// reminders) may reserve a slot of the bot's budget; a batch reserves its slots in runs up to this far.
    /// Must be more than <see cref="BulkHorizonMilliseconds"/>, so high priority always finds room before bulk.
    /// </summary>
    [Range(100, 60_000)]
    public int HighPriorityHorizonMilliseconds { get; set; } = 2000;

    /// <summary>
    /// How far ahead of now bulk (<see cref="TelegramPriority.Bulk"/>: WB events) may reserve slots of the
    /// bot's budget: the longest a high-priority message waits behind bulk. A bulk batch reserves its slots
    /// in runs of at most this much and waits for room in between.
    /// </summary>
    [Range(50, 60_000)]
    public int BulkHorizonMilliseconds { get; set; } = 500;

    /// <summary>Sends in flight at once within one batch of the bulk path (reminders, WB events).</summary>
    [Range(1, 512)]
    public int BatchSendParallelism { get; set; } = 64;

    /// <summary>Circuit breaker: within this window (seconds)...</summary>
    [Range(1, 3600)]
    public int BreakerSamplingSeconds { get; set; } = 30;

    /// <summary>...at least this many calls were made...</summary>
    [Range(2, 10_000)]
    public int BreakerMinimumThroughput { get; set; } = 10;

    /// <summary>...and at least this share of them failed transiently (5xx, timeouts, network): the breaker opens.</summary>
    [Range(0.01, 1.0)]
    public double BreakerFailureRatio { get; set; } = 0.8;

    /// <summary>
    /// How long the breaker stays open before one probe call is let through (half-open). Each probe that
    /// fails doubles the next break, up to <see cref="BreakerMaxBreakSeconds"/>; a probe that succeeds
    /// closes the breaker and the next opening starts from this again. A short first break ends a brief
    /// outage soon after Telegram is back; the doubling spares Telegram during a long one.
    /// </summary>
    [Range(1, 3600)]
    public int BreakerBreakSeconds { get; set; } = 10;

    /// <summary>The longest break (seconds), reached after a few failed probes in a row.</summary>
    [Range(1, 3600)]
    public int BreakerMaxBreakSeconds { get; set; } = 120;

    /// <summary>The break after <paramref name="failedProbes"/> probes in a row failed: the first break, doubled per failed probe, capped.</summary>
    public TimeSpan BreakerBreak(int failedProbes) =>
        TimeSpan.FromSeconds(Math.Min(BreakerBreakSeconds * Math.Pow(2, Math.Clamp(failedProbes, 0, 20)), Math.Max(BreakerBreakSeconds, BreakerMaxBreakSeconds)));

    public bool IsConfigured => !string.IsNullOrWhiteSpace(BotToken);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (BulkHorizonMilliseconds >= HighPriorityHorizonMilliseconds)
            yield return new ValidationResult(
                "Telegram:BulkHorizonMilliseconds must be less than Telegram:HighPriorityHorizonMilliseconds (bulk must leave high-priority messages room ahead of it).",
                [nameof(BulkHorizonMilliseconds)]);
    }

    /// <summary>How far ahead a message of <paramref name="priority"/> may reserve the bot's slots.</summary>
    public TimeSpan Horizon(TelegramPriority priority) =>
        TimeSpan.FromMilliseconds(priority == TelegramPriority.Bulk ? BulkHorizonMilliseconds : HighPriorityHorizonMilliseconds);
}
