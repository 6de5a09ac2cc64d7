using System.Diagnostics;
using System.Net.Sockets;
using FelixHub.Core.Monitoring;
using FelixHub.Core.Persistence;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Registry;
using Polly.Timeout;
using Telegram.Bot;
using Telegram.Bot.Exceptions;
using Telegram.Bot.Types;
using Telegram.Bot.Types.Enums;
using Telegram.Bot.Types.ReplyMarkups;

namespace FelixHub.Core.Telegram;

/// <summary>
/// Telegram.Bot over a factory-made HttpClient, inside the <c>telegram-send</c> Polly pipeline.
/// Retries live in two layers that do not multiply: Polly retries inside one send (network, 5xx,
/// 429 with <c>retry_after</c>); Telegram.Bot's own 429 retry is switched off; the caller (a Hangfire
/// job or a bulk dispatcher) decides what to do with a transient failure that outlived them.
/// </summary>
internal sealed partial class TelegramSender(
    IHttpClientFactory httpClientFactory,
    IOptionsMonitor<TelegramOptions> options,
    ResiliencePipelineProvider<string> pipelines,
    ITelegramRateLimiter limiter,
    ILogger<TelegramSender> logger) : ITelegramSender
{
    public const string HttpClientName = "telegram";
    public const string PipelineName = "telegram-send";
    public const string CallTimeoutPipelineName = "telegram-call-timeout";
    public const string BreakerName = "telegram";

    // Built once, here: a pipeline built concurrently by two first sends would give its breaker two owners.
    private readonly ResiliencePipeline pipeline = pipelines.GetPipeline(PipelineName);
    private readonly ResiliencePipeline callTimeout = pipelines.GetPipeline(CallTimeoutPipelineName);

    public bool IsConfigured => options.CurrentValue.IsConfigured;

    public Task<TelegramSendResult> SendHtmlAsync(string chatId, string html, CancellationToken cancellationToken) =>
        SendHtmlAsync(chatId, html, null, cancellationToken);

    public Task<TelegramSendResult> SendHtmlAsync(string chatId, string html, ReplyMarkup? replyMarkup, CancellationToken cancellationToken) =>
        SendHtmlAsync(chatId, html, replyMarkup, silent: false, cancellationToken);

    public Task<TelegramSendResult> SendHtmlAsync(string chatId, string html, ReplyMarkup? replyMarkup, bool silent, CancellationToken cancellationToken) =>
        SendAsync(chatId, async (client, chat, token) => (await client.SendMessage(
            chat, html, ParseMode.Html,
            replyMarkup: replyMarkup,
            linkPreviewOptions: new LinkPreviewOptions { IsDisabled = true },
            disableNotification: silent,
            cancellationToken: token)).MessageId, cancellationToken);

    public Task<TelegramSendResult> SendPhotoAsync(string chatId, string photoUrl, string htmlCaption, CancellationToken cancellationToken) =>
        SendPhotoAsync(chatId, photoUrl, htmlCaption, silent: false, cancellationToken);

    public Task<TelegramSendResult> SendPhotoAsync(string chatId, string photoUrl, string htmlCaption, bool silent, CancellationToken cancellationToken) =>
        SendAsync(chatId, async (client, chat, token) => (await client.SendPhoto(
            chat, InputFile.FromUri(photoUrl), htmlCaption, ParseMode.Html,
            disableNotification: silent,
            cancellationToken: token)).MessageId, cancellationToken);

    public Task<TelegramSendResult> EditReplyMarkupAsync(string chatId, int messageId, InlineKeyboardMarkup? replyMarkup, CancellationToken cancellationToken) =>
        SendAsync(chatId, async (client, chat, token) => (await client.EditMessageReplyMarkup(
            chat, messageId, replyMarkup, cancellationToken: token)).MessageId, cancellationToken);

    public Task<TelegramSendResult> EditHtmlAsync(string chatId, int messageId, string html, InlineKeyboardMarkup? replyMarkup, CancellationToken cancellationToken) =>
        SendAsync(chatId, async (client, chat, token) => (await client.EditMessageText(
            chat, messageId, html, ParseMode.Html,
            replyMarkup: replyMarkup,
            linkPreviewOptions: new LinkPreviewOptions { IsDisabled = true },
            cancellationToken: token)).MessageId, cancellationToken);

    public Task<TelegramSendResult> DeleteMessageAsync(string chatId, int messageId, CancellationToken cancellationToken) =>
        SendAsync(chatId, async (client, chat, token) =>
        {
            await client.DeleteMessage(chat, messageId, token);
            return messageId;
        }, cancellationToken, paced: false);

    public Task<TelegramSendResult> AnswerCallbackAsync(string chatId, string callbackQueryId, string? text, CancellationToken cancellationToken) =>
        SendAsync(chatId, async (client, _, token) =>
        {
            await client.AnswerCallbackQuery(callbackQueryId, text, cancellationToken: token);
            return 0;
        }, cancellationToken, paced: false);

    public async Task<IReadOnlyList<TelegramSendResult>> SendHtmlBatchAsync(IReadOnlyList<TelegramMessage> messages, TelegramPriority priority, CancellationToken cancellationToken)
    {
        var results = new TelegramSendResult[messages.Count];
        if (messages.Count == 0) return results;
        var current = options.CurrentValue;
        if (!current.IsConfigured)
        {
            LogNotConfigured(logger, messages[0].ChatId);
            Array.Fill(results, new TelegramSendResult(TelegramSendStatus.NotConfigured, "Bot token missing"));
            return results;
        }

        ITelegramBatchPermit permit;
        try
        {
            permit = await limiter.AcquireBatchAsync(messages.Select(m => m.ChatId).ToList(), priority, cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && DatabaseErrors.IsUnavailable(ex))
        {
            // Nothing of the batch went out: one line for it, each message handed back.
            LogBatchPacingUnavailable(logger, messages.Count, ex.Message);
            for (var i = 0; i < results.Length; i++)
            {
                FelixHubMetrics.TelegramSend("pacing_unavailable", TimeSpan.Zero);
                results[i] = TelegramSendResult.PacingUnavailable();
            }
            return results;
        }
        await using var permitToRelease = permit;
        // A message whose turn the limiter's database could not give is not sent (PacingUnavailable), and the
        // batch goes on: the messages Telegram already has keep their results, so they are recorded, not sent again.
        try
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, messages.Count).Where(permit.IsGranted),
                new ParallelOptions { MaxDegreeOfParallelism = current.BatchSendParallelism, CancellationToken = cancellationToken },
                async (i, token) =>
                {
                    var message = messages[i];
                    long slot;
                    try
                    {
                        slot = await permit.WaitForTurnAsync(i, token);
                    }
                    catch (Exception ex) when (!token.IsCancellationRequested && DatabaseErrors.IsUnavailable(ex))
                    {
                        results[i] = PacingUnavailable(message.ChatId, ex);
                        return;
                    }
                    using var inFlight = new InFlightGrace(token);
                    results[i] = await SendAsync(message.ChatId, async (client, chat, t) => (await client.SendMessage(
                        chat, message.Html, ParseMode.Html,
                        linkPreviewOptions: new LinkPreviewOptions { IsDisabled = true },
                        disableNotification: message.Silent,
                        cancellationToken: t)).MessageId, inFlight.Token, paced: false, onTooMany: retryAfter => permit.BackOff(message.ChatId, retryAfter),
                        // A retry (after a 429, a 5xx, a timeout) is a call like any other: it takes a slot of
                        // the bot's budget too. Unpaced, the retries of a few 429s would all go out together
                        // a retry_after later, over the budget, and draw more 429s.
                        batchSlot: slot, batchPriority: priority, beforeRetry: t => permit.WaitForTurnAsync(i, t));
                });
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped: what did not finish is handed back below.
        }

        for (var i = 0; i < results.Length; i++)
        {
            results[i] ??= permit.IsGranted(i)
                ? TelegramSendResult.Deferred(TimeSpan.Zero, "Not sent: the dispatcher stopped before this message went out")
                : TelegramSendResult.Deferred(permit.RetryDeferredAfter, "Not sent yet: the chat was written to within its interval");
        }
        return results;
    }

    /// <summary>
    /// Every Bot API call goes through here: configuration check, the resilience pipeline (retry →
    /// breaker), the shared rate limit inside each attempt (on the bulk path the batch paces the first
    /// attempt and <paramref name="beforeRetry"/> each retry; the attempt's slot is checked once more as its
    /// request leaves, by <see cref="TelegramSlotHandler"/>), the per-attempt timeout around the HTTP
    /// call alone, classification and metrics.
    /// </summary>
    private async Task<TelegramSendResult> SendAsync(
        string chatId, Func<TelegramBotClient, ChatId, CancellationToken, Task<int>> call, CancellationToken cancellationToken,
        bool paced = true, Action<TimeSpan>? onTooMany = null, long batchSlot = 0, TelegramPriority batchPriority = TelegramPriority.High, Func<CancellationToken, Task<long>>? beforeRetry = null)
    {
        var current = options.CurrentValue;
        if (!current.IsConfigured)
        {
            LogNotConfigured(logger, chatId);
            FelixHubMetrics.TelegramSend("not_configured", TimeSpan.Zero);
            return new TelegramSendResult(TelegramSendStatus.NotConfigured, "Bot token missing");
        }

        var client = CreateClient(current);
        var chat = ToChatId(chatId);
        var started = Stopwatch.GetTimestamp();
        var priority = TelegramSendPriority.Current;
        var attempts = 0;
        try
        {
            var messageId = await pipeline.ExecuteAsync(async token =>
            {
                var slot = batchSlot;
                if (attempts++ > 0 && beforeRetry is not null) slot = await beforeRetry(token);
                // Unpaced: deleting a message or answering a button press (not messages), or a bulk-path
                // send, paced by its batch.
                await using var lease = paced ? await limiter.AcquireAsync(chatId, priority, token) : null;
                if (lease is not null) slot = lease.Slot;
                try
                {
                    // The slot goes with the call to the HTTP handler, which checks it once more as the request
                    // leaves: a call held up too long since its wait is not sent and waits here (outside the
                    // per-call timeout) for a fresh slot, a few times at most.
                    for (var late = 0; ; late++)
                    {
                        TelegramSlot.Current = slot != 0 ? new TelegramSlot(slot, Final: late == MaxLateSlots) : null;
                        try
                        {
                            return await callTimeout.ExecuteAsync(
                                static (state, t) => new ValueTask<int>(state.call(state.client, state.chat, t)), (call, client, chat), token);
                        }
                        catch (Exception ex) when (IsSlotMissed(ex))
                        {
                            slot = await limiter.FreshSlotAsync(paced ? priority : batchPriority, token);
                        }
                    }
                }
                catch (ApiRequestException tooMany) when (tooMany.ErrorCode == 429)
                {
                    var retryAfter = TimeSpan.FromSeconds(tooMany.Parameters?.RetryAfter ?? 1);
                    lease?.BackOff(retryAfter);
                    onTooMany?.Invoke(retryAfter);
                    throw;
                }
            }, cancellationToken);
            FelixHubMetrics.TelegramSend("sent", Stopwatch.GetElapsedTime(started));
            return TelegramSendResult.Sent(messageId);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && Classify(ex) is { } failure)
        {
            FelixHubMetrics.TelegramSend(failure.Status == TelegramSendStatus.PermanentFailure ? "permanent_failure" : failure.NotAttempted ? "breaker_open" : "transient_failure",
                Stopwatch.GetElapsedTime(started));
            if (failure.Status == TelegramSendStatus.PermanentFailure)
                LogPermanent(logger, chatId, failure.ErrorCode, failure.Error);
            else if (failure.NotAttempted)
                LogBreakerOpen(logger, chatId, failure.RetryAfter);
            else
                LogTransient(logger, chatId, failure.ErrorCode, failure.Error);
            return failure;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && DatabaseErrors.IsUnavailable(ex))
        {
            // The limiter's database failed while this call waited for its turn: this attempt never left. An
            // earlier attempt (a 5xx, a timeout) did not deliver either, so the message is not with Telegram.
            return PacingUnavailable(chatId, ex, Stopwatch.GetElapsedTime(started));
        }
    }

    private TelegramSendResult PacingUnavailable(string chatId, Exception cause, TimeSpan took = default)
    {
        FelixHubMetrics.TelegramSend("pacing_unavailable", took);
        LogPacingUnavailable(logger, chatId, cause.Message);
        return TelegramSendResult.PacingUnavailable();
    }

    private const int MaxLateSlots = 3;

    /// <summary>The slot handler refused the call as late (Telegram.Bot may wrap what its HttpClient throws).</summary>
    private static bool IsSlotMissed(Exception ex)
    {
        for (Exception? e = ex; e is not null; e = e.InnerException)
            if (e is TelegramSlotMissedException) return true;
        return false;
    }

    private TelegramBotClient CreateClient(TelegramOptions current)
    {
        var http = httpClientFactory.CreateClient(HttpClientName);
        var clientOptions = new TelegramBotClientOptions(current.BotToken, current.ApiBaseUrl.TrimEnd('/'))
        {
            // Polly owns retries: Telegram.Bot's built-in 429 retry would multiply them.
            RetryCount = 0,
        };
        return new TelegramBotClient(clientOptions, http);
    }

    private static ChatId ToChatId(string chatId) =>
        long.TryParse(chatId, out var numeric) ? new ChatId(numeric) : new ChatId(chatId);

    /// <summary>Maps Telegram's answers and transport failures to an outcome; null for what is not ours to classify.</summary>
    internal static TelegramSendResult? Classify(Exception ex) => ex switch
    {
        ApiRequestException api when api.ErrorCode is 400 or 403 or 404 =>
            new TelegramSendResult(TelegramSendStatus.PermanentFailure, Describe(api), api.ErrorCode),
        ApiRequestException api =>
            new TelegramSendResult(TelegramSendStatus.TransientFailure, Describe(api), api.ErrorCode,
                RetryAfter: api.ErrorCode == 429 && api.Parameters?.RetryAfter is int retryAfter ? TimeSpan.FromSeconds(retryAfter) : null),
        // Open: RetryAfter is the rest of the break; half-open with its one probe under way: none (a second).
        BrokenCircuitException broken => TelegramSendResult.BreakerOpen(broken.RetryAfter),
        RequestException or HttpRequestException or SocketException or TimeoutRejectedException or TaskCanceledException or IOException =>
            new TelegramSendResult(TelegramSendStatus.TransientFailure, "Failed to send: " + ex.Message),
        _ => null,
    };

    private static string Describe(ApiRequestException api) =>
        $"Failed to send: {api.Message} ({api.ErrorCode})" +
        (api.Parameters?.RetryAfter is int retryAfter ? $", retry after {retryAfter} s" : "");

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message to chat {ChatId} not sent: the database that paces Telegram calls did not answer ({Error}); not attempted, tried again in a second")]
    private static partial void LogPacingUnavailable(ILogger logger, string chatId, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A batch of {Count} message(s) not sent: the database that paces Telegram calls did not answer ({Error}); not attempted, tried again in a second")]
    private static partial void LogBatchPacingUnavailable(ILogger logger, int count, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Telegram bot token is not configured; message to chat {ChatId} skipped")]
    private static partial void LogNotConfigured(ILogger logger, string chatId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Telegram refused the message to chat {ChatId} ({ErrorCode}): {Error}; not retried")]
    private static partial void LogPermanent(ILogger logger, string chatId, int? errorCode, string? error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Telegram send to chat {ChatId} not attempted: the circuit breaker is open for {RetryAfter} more")]
    private static partial void LogBreakerOpen(ILogger logger, string chatId, TimeSpan? retryAfter);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Telegram send to chat {ChatId} failed after retries ({ErrorCode}): {Error}")]
    private static partial void LogTransient(ILogger logger, string chatId, int? errorCode, string? error);
}
