using System.ComponentModel.DataAnnotations;

namespace FelixHub.Core.Telegram;

public sealed class TelegramOptions
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

    /// <summary>How long the breaker stays open before one probe call is let through (half-open).</summary>
    [Range(1, 3600)]
    public int BreakerBreakSeconds { get; set; } = 120;

    public bool IsConfigured => !string.IsNullOrWhiteSpace(BotToken);
}
