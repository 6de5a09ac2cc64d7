using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly.Registry;
using Refit;

namespace FelixHub.Core.Wildberries.Api;

/// <summary>Which cabinet makes a call, which seller account and endpoint it counts against (WB's limits are per seller account), and how far apart WB wants such calls.</summary>
public sealed record WbCallTarget(long CabinetId, string Account, string Endpoint, TimeSpan Interval);

/// <summary>
/// Every WB call of a sync goes through here: <list type="number">
/// <item>the persisted per-seller-account, per-endpoint rate limit reserves a slot (or defers the endpoint
/// when the slot is further away than <c>MaxRateLimitWaitSeconds</c>);</item>
/// <item>the call runs with a per-attempt timeout;</item>
/// <item>a 429 records WB's <c>X-Ratelimit-Retry</c>/<c>Retry-After</c> as the next allowed time, and the
/// retry waits for it through the limiter; 5xx, timeouts and network errors back off exponentially
/// (capped at <c>MaxRetryDelaySeconds</c>);</item>
/// <item>what is left is translated: 401/403 → <see cref="WbUnauthorizedException"/>, other errors
/// and unreadable bodies → <see cref="WbApiException"/> with WB's reason.</item></list>
/// Retries live here only: a failed sync is not retried by Hangfire, the next fan-out resumes it.
/// </summary>
public sealed partial class WbGateway(
    ResiliencePipelineProvider<string> pipelines,
    WbRateLimiter limiter,
    IOptionsMonitor<WildberriesOptions> options,
    TimeProvider time,
    ILogger<WbGateway> logger)
{
    public const string RetryPipeline = "wildberries-retry";
    public const string AttemptPipeline = "wildberries-attempt";

    public static string AttemptPipelineFor(string host) => $"{AttemptPipeline}:{host}";

    public static string BreakerName(string host) => $"wildberries-{host}";

    public async Task<T> CallAsync<T>(WbCallTarget target, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        var retry = pipelines.GetPipeline(RetryPipeline);
        var attempt = pipelines.GetPipeline(AttemptPipelineFor(WbEndpoint.Host(target.Endpoint)));
        var maxWait = TimeSpan.FromSeconds(options.CurrentValue.MaxRateLimitWaitSeconds);
        try
        {
            return await retry.ExecuteAsync(async token =>
            {
                var wait = await limiter.ReserveAsync(target.Account, target.Endpoint, target.Interval, maxWait, token);
                if (wait is null)
                {
                    var next = await limiter.NextAllowedAsync(target.Account, target.Endpoint, token) ?? time.GetUtcNow();
                    throw new WbDeferredException(target.Endpoint, next);
                }
                if (wait > TimeSpan.Zero)
                {
                    LogWaiting(logger, target.CabinetId, target.Endpoint, wait.Value.TotalSeconds);
                    await Task.Delay(wait.Value, time, token);
                }

                try
                {
                    return await attempt.ExecuteAsync(async t => await call(t), token);
                }
                catch (ApiException ex) when (ex.StatusCode == HttpStatusCode.TooManyRequests)
                {
                    var retryAfter = WbErrors.RetryAfter(ex.Headers, time.GetUtcNow()) ?? (target.Interval > TimeSpan.FromSeconds(1) ? target.Interval : TimeSpan.FromSeconds(60));
                    await limiter.PushBackAsync(target.Account, target.Endpoint, time.GetUtcNow() + retryAfter, token);
                    LogRateLimited(logger, target.CabinetId, target.Endpoint, retryAfter.TotalSeconds);
                    throw new WbRateLimitedException(target.Endpoint, retryAfter, ex);
                }
            }, cancellationToken);
        }
        catch (ApiException ex) when (ex.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            throw new WbUnauthorizedException($"WB refused the key on {target.Endpoint} ({(int)ex.StatusCode}): {WbErrors.Describe(ex.Content)}", (int)ex.StatusCode, ex);
        }
        catch (ApiException ex)
        {
            throw Translate(target.Endpoint, ex);
        }
        catch (JsonException ex)
        {
            throw new WbApiException($"WB sent an unreadable answer on {target.Endpoint}: {ex.Message}", 200, ex);
        }
    }

    /// <summary>A Refit error as a WB error with WB's own reason (both 400 shapes, problem+json) or, for a 2xx, the parse failure.</summary>
    public static WbApiException Translate(string endpoint, ApiException ex)
    {
        var status = (int)ex.StatusCode;
        if (status is >= 200 and < 300)
            return new WbApiException($"WB sent an unreadable answer on {endpoint}: {ex.InnerException?.Message ?? ex.Message}", status, ex);
        return new WbApiException($"WB answered {status} on {endpoint}: {WbErrors.Describe(ex.Content)}", status, ex);
    }

    /// <summary>What opens a host's breaker: 5xx, timeouts and network failures — not 429 (WB's answer, handled by the limiter) nor 4xx.</summary>
    public static bool IsOutage(Exception? ex) => ex is not WbRateLimitedException && ex is not ApiException { StatusCode: HttpStatusCode.TooManyRequests } && IsTransient(ex);

    /// <summary>What the retry strategy retries: 429 (the limiter waits), 5xx, 408, timeouts and network failures, and an open breaker's refusal is not among them.</summary>
    public static bool IsTransient(Exception? ex) => ex switch
    {
        WbRateLimitedException => true,
        ApiException api => (int)api.StatusCode >= 500 || api.StatusCode == HttpStatusCode.RequestTimeout,
        HttpRequestException => true,
        Polly.Timeout.TimeoutRejectedException => true,
        TaskCanceledException { InnerException: TimeoutException } => true,
        IOException => true,
        _ => false,
    };

    [LoggerMessage(Level = LogLevel.Debug, Message = "Cabinet {CabinetId}: waiting {Seconds:0.###} s for WB's rate limit on {Endpoint}")]
    private static partial void LogWaiting(ILogger logger, long cabinetId, string endpoint, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cabinet {CabinetId}: WB answered 429 on {Endpoint}; next call after {Seconds:0.#} s")]
    private static partial void LogRateLimited(ILogger logger, long cabinetId, string endpoint, double seconds);
}
