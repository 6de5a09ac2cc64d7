namespace FelixHub.Core.Telegram;

public enum TelegramSendStatus
{
    /// <summary>Telegram accepted the message.</summary>
    Sent,

    /// <summary>Retrying will not help: blocked by the user, chat not found, bad request (403/400/404).</summary>
    PermanentFailure,

    /// <summary>Telegram or the network failed after the in-call retries (5xx, timeout, 429 beyond the budget); try again later.</summary>
    TransientFailure,

    /// <summary>No bot token is configured: nothing was attempted.</summary>
    NotConfigured,

    /// <summary>Bulk path only: not attempted now (the chat is busy, or the batch was stopped); try again after <see cref="TelegramSendResult.RetryAfter"/>.</summary>
    Deferred,
}

/// <summary>
/// The classified outcome of one send. Sends never throw for Telegram's answers; only cancellation propagates.
/// <see cref="RetryAfter"/>: when a deferred message may be tried again, or, for a transient failure that was
/// a 429, the <c>retry_after</c> Telegram asked for; for a transient failure with <see cref="NotAttempted"/>, when it is
/// worth trying again (the breaker's break ends, or a second for the limiter's database).
/// <see cref="NotAttempted"/>: a transient failure that never reached Telegram (the circuit breaker was open, or the
/// database that paces the bot's calls did not answer). It is not the message's fault and no attempt of it: the
/// delivery ledger hands such a message back, due after <see cref="RetryAfter"/>, without counting an attempt.
/// </summary>
public sealed record TelegramSendResult(TelegramSendStatus Status, string? Error = null, int? ErrorCode = null, int? MessageId = null, TimeSpan? RetryAfter = null,
    bool NotAttempted = false)
{
    public bool IsSent => Status == TelegramSendStatus.Sent;

    public static TelegramSendResult Sent(int messageId) => new(TelegramSendStatus.Sent, MessageId: messageId);

    public static TelegramSendResult Deferred(TimeSpan retryAfter, string reason) => new(TelegramSendStatus.Deferred, reason, RetryAfter: retryAfter);

    /// <summary>The breaker was open: not sent, Telegram not called; calls go through again after <paramref name="retryAfter"/> (when Polly knows it).</summary>
    public static TelegramSendResult BreakerOpen(TimeSpan? retryAfter) =>
        new(TelegramSendStatus.TransientFailure, "Not sent: the Telegram circuit breaker is open (Telegram failing); not attempted",
            RetryAfter: retryAfter is { } after && after > TimeSpan.Zero ? after : TimeSpan.FromSeconds(1), NotAttempted: true);

    /// <summary>
    /// The database that paces the bot's calls (the shared rate limiter) did not answer before this message's turn:
    /// not sent, Telegram not called. Tried again in a second, when the database is usually back.
    /// </summary>
    public static TelegramSendResult PacingUnavailable() =>
        new(TelegramSendStatus.TransientFailure, "Not sent: the database that paces Telegram calls did not answer; not attempted",
            RetryAfter: TimeSpan.FromSeconds(1), NotAttempted: true);
}
