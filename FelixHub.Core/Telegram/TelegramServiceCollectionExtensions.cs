using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using FelixHub.Core.Monitoring;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Telegram.Bot.Exceptions;

namespace FelixHub.Core.Telegram;

public static class TelegramServiceCollectionExtensions
{
    public static IServiceCollection AddTelegram(this IServiceCollection services)
    {
        services.AddOptions<TelegramOptions>().BindConfiguration(TelegramOptions.Section).ValidateDataAnnotations().ValidateOnStart();

        services.AddHttpClient(TelegramSender.HttpClientName, (sp, http) =>
            {
                var o = sp.GetRequiredService<IOptionsMonitor<TelegramOptions>>().CurrentValue;
                // A backstop only: the pipeline's per-attempt timeout fires first.
                http.Timeout = TimeSpan.FromSeconds(o.RequestTimeoutSeconds * 2 + 5);
            })
            // The last check of a paced call's slot, as its request leaves.
            .AddHttpMessageHandler(sp => new TelegramSlotHandler(sp.GetRequiredService<ITelegramRateLimiter>()))
            // The default HttpClient logging writes request URLs, and a Bot API URL carries the token.
            .RemoveAllLoggers();

        services.AddResiliencePipeline(TelegramSender.PipelineName, (builder, context) =>
        {
            context.EnableReloads<TelegramOptions>();
            var o = context.GetOptions<TelegramOptions>();
            var maxRetryAfter = o.MaxRetryAfterSeconds;

            if (o.MaxRetryAttempts > 0)
            {
                builder.AddRetry(new RetryStrategyOptions
                {
                    MaxRetryAttempts = o.MaxRetryAttempts,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = false,
                    Delay = TimeSpan.FromMilliseconds(o.RetryBaseDelayMilliseconds),
                    ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception switch
                    {
                        ApiRequestException { ErrorCode: 429 } api => (api.Parameters?.RetryAfter ?? 0) <= maxRetryAfter,
                        BrokenCircuitException => false, // fail fast while Telegram is known to be down
                        var ex => IsOutage(ex),
                    }),
                    // Telegram says how long to wait on a 429: wait exactly that, not our backoff.
                    DelayGenerator = args => ValueTask.FromResult(
                        args.Outcome.Exception is ApiRequestException { ErrorCode: 429, Parameters.RetryAfter: int seconds }
                            ? TimeSpan.FromSeconds(seconds)
                            : (TimeSpan?)null),
                });
            }

            // Inside the retry, so every attempt is a sample; 403/400/429 are answers, not outages.
            var breaker = new CircuitBreakerStrategyOptions
            {
                Name = "telegram",
                SamplingDuration = TimeSpan.FromSeconds(o.BreakerSamplingSeconds),
                MinimumThroughput = o.BreakerMinimumThroughput,
                FailureRatio = o.BreakerFailureRatio,
                BreakDuration = TimeSpan.FromSeconds(o.BreakerBreakSeconds),
                // Polly counts the half-open probes that failed in a row: the break doubles with each.
                BreakDurationGenerator = args => ValueTask.FromResult(o.BreakerBreak(args.HalfOpenAttempts)),
                ShouldHandle = args => ValueTask.FromResult(IsOutage(args.Outcome.Exception)),
            };
            context.ServiceProvider.GetRequiredService<CircuitBreakers>().Attach(TelegramSender.BreakerName, breaker);
            builder.AddCircuitBreaker(breaker);
        });

        // The per-attempt timeout covers the HTTP call alone: the wait for the chat's and the bot's turn
        // is pacing, not Telegram being slow, and cancelling it would neither help nor count as an outage.
        services.AddResiliencePipeline(TelegramSender.CallTimeoutPipelineName, (builder, context) =>
        {
            context.EnableReloads<TelegramOptions>();
            builder.AddTimeout(TimeSpan.FromSeconds(context.GetOptions<TelegramOptions>().RequestTimeoutSeconds));
        });

        services.AddSingleton<ITelegramSender, TelegramSender>();
        services.AddSingleton<ITelegramRateLimiter, PostgresTelegramRateLimiter>();
        services.TryAddSingleton<CircuitBreakers>();
        services.AddSingleton(new CircuitBreakerName(TelegramSender.BreakerName));
        return services;
    }

    /// <summary>Telegram or the network is failing (5xx, timeout, connection): what retries and the breaker react to.</summary>
    private static bool IsOutage(Exception? exception) => exception switch
    {
        null => false,
        ApiRequestException api => api.ErrorCode >= 500,
        var ex => TelegramSender.Classify(ex)?.Status == TelegramSendStatus.TransientFailure,
    };
}
