using FelixHub.Core.Delivery;
using Hangfire;
using FelixHub.Core.Retention;
using FelixHub.Core.Common;
using FelixHub.Core.Monitoring;
using FelixHub.Core.Telegram;
using FelixHub.Core.Wildberries.Api;
using FelixHub.Core.Wildberries.Cabinets;
using FelixHub.Core.Wildberries.Notifications;
using FelixHub.Core.Wildberries.Sync;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Refit;

namespace FelixHub.Core.Wildberries;

public static class WildberriesServiceCollectionExtensions
{
    /// <summary>The WB seller sync (seed 003): Refit clients per WB host behind Polly, the sync and dispatch jobs, the cabinet service.</summary>
    public static IServiceCollection AddWildberries(this IServiceCollection services)
    {
        services.AddOptions<WildberriesOptions>().BindConfiguration(WildberriesOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<WildberriesOptions>, WildberriesOptionsValidator>();

        // API keys are encrypted with Data Protection (the host adds it: AddFelixHubDataProtection).
        services.AddSingleton<WbKeyProtector>();

        var refit = new RefitSettings(new SystemTextJsonContentSerializer(WbJson.Options));
        AddClient<IWbStatisticsApi>(services, refit, o => o.StatisticsBaseUrl);
        AddClient<IWbFeedbacksApi>(services, refit, o => o.FeedbacksBaseUrl);
        AddClient<IWbAnalyticsApi>(services, refit, o => o.AnalyticsBaseUrl);
        AddClient<IWbContentApi>(services, refit, o => o.ContentBaseUrl);

        // One attempt pipeline per WB host: a breaker (an outage of one host fails its calls fast
        // without touching the others) and the per-attempt timeout.
        foreach (var host in WbEndpoint.Hosts)
        {
            services.AddSingleton(new CircuitBreakerName(WbGateway.BreakerName(host)));
            services.AddResiliencePipeline(WbGateway.AttemptPipelineFor(host), (builder, context) =>
            {
                context.EnableReloads<WildberriesOptions>();
                var o = context.GetOptions<WildberriesOptions>();
                var breaker = new CircuitBreakerStrategyOptions
                {
                    Name = WbGateway.BreakerName(host),
                    SamplingDuration = TimeSpan.FromSeconds(o.BreakerSamplingSeconds),
                    MinimumThroughput = o.BreakerMinimumThroughput,
                    FailureRatio = o.BreakerFailureRatio,
                    BreakDuration = TimeSpan.FromSeconds(o.BreakerBreakSeconds),
                    ShouldHandle = args => ValueTask.FromResult(WbGateway.IsOutage(args.Outcome.Exception)),
                };
                context.ServiceProvider.GetRequiredService<CircuitBreakers>().Attach(breaker.Name, breaker);
                builder.AddCircuitBreaker(breaker);
                builder.AddTimeout(TimeSpan.FromSeconds(o.RequestTimeoutSeconds));
            });
        }
        services.AddResiliencePipeline(WbGateway.RetryPipeline, (builder, context) =>
        {
            context.EnableReloads<WildberriesOptions>();
            var o = context.GetOptions<WildberriesOptions>();
            if (o.MaxRetryAttempts == 0) return;
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = o.MaxRetryAttempts,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = false,
                Delay = TimeSpan.FromMilliseconds(o.RetryBaseDelayMilliseconds),
                MaxDelay = TimeSpan.FromSeconds(Math.Max(1, o.MaxRetryDelaySeconds)),
                ShouldHandle = args => ValueTask.FromResult(WbGateway.IsTransient(args.Outcome.Exception)),
                // After a 429 the rate limiter holds the next attempt until WB's time; no extra backoff on top.
                DelayGenerator = args => ValueTask.FromResult(args.Outcome.Exception is WbRateLimitedException ? TimeSpan.Zero : (TimeSpan?)null),
            });
        });

        services.TryAddSingleton<CircuitBreakers>();
        services.AddHttpClient(WbWebhookSender.HttpClientName, (sp, http) =>
            http.Timeout = TimeSpan.FromSeconds(sp.GetRequiredService<IOptionsMonitor<WildberriesOptions>>().CurrentValue.WebhookTimeoutSeconds));
        services.AddSingleton<WbWebhookSender>();
        services.AddSingleton<WbRateLimiter>();
        services.AddScoped<WbGateway>();
        services.AddScoped<WbSyncService>();
        services.AddScoped<CabinetService>();
        services.AddScoped<WbCabinetSyncJob>();
        services.AddScoped<WbSyncFanOutJob>();
        services.AddSingleton<IDeliveryHooks, WbDeliveryHooks>();
        // WB events and their digests are mass notifications: they get what is left of the bot's budget (Delivery:Priorities overrides).
        services.AddDeliveryPriority(TelegramPriority.Bulk, [.. WbEventType.Switchable, .. WbEventType.CabinetNotices, WbEventType.Digest]);
        services.AddHostedService<WbRecurringJobs>();
        services.AddSingleton<IRecurringWorkProbe, WbFanOutProbe>();
        // Digests (issue 23 §2): built when their period ends, by whichever replica's tick comes first.
        services.AddScoped<WbDigestJob>();
        services.AddRecurringJob(WbDigestJob.RecurringJobId, (jobs, sp) => jobs.AddOrUpdate<WbDigestJob>(
            WbDigestJob.RecurringJobId, job => job.ExecuteAsync(CancellationToken.None),
            sp.GetRequiredService<IOptions<WildberriesOptions>>().Value.DigestCron,
            new RecurringJobOptions { TimeZone = TimeZoneInfo.Utc }), triggerOnStart: true);
        services.AddRecurringWorkProbe(WbDigestJob.RecurringJobId, WbDigests.DueExistsSql, passesNow: true);
        // Retention: the sync log after Retention:WbSyncLogDays; the synced rows and notification_history
        // after Retention:WbDataDays, longer than WB returns them (the sync never announces a row older
        // than that age, so a deleted key cannot come back as news).
        services.AddRetentionRule(new RetentionRule("wb_sync_logs", o => o.WbSyncLogDays, """
            DELETE FROM wb_sync_logs WHERE id IN (
                SELECT id FROM wb_sync_logs WHERE started_at < $1 ORDER BY started_at LIMIT $2 FOR UPDATE SKIP LOCKED)
            """));
        services.AddRetentionRule(new RetentionRule("wb_orders", o => o.WbDataDays, """
            DELETE FROM wb_orders WHERE id IN (
                SELECT id FROM wb_orders WHERE date < $1 ORDER BY date LIMIT $2 FOR UPDATE SKIP LOCKED)
            """));
        services.AddRetentionRule(new RetentionRule("wb_sales", o => o.WbDataDays, """
            DELETE FROM wb_sales WHERE id IN (
                SELECT id FROM wb_sales WHERE date < $1 ORDER BY date LIMIT $2 FOR UPDATE SKIP LOCKED)
            """));
        services.AddRetentionRule(new RetentionRule("wb_reviews", o => o.WbDataDays, """
            DELETE FROM wb_reviews WHERE id IN (
                SELECT id FROM wb_reviews WHERE created_date < $1 ORDER BY created_date LIMIT $2 FOR UPDATE SKIP LOCKED)
            """));
        // Digested items with the ledger's messages (Retention:DeliveryDays); waiting ones are never candidates.
        services.AddRetentionRule(new RetentionRule("wb_digest_items", o => o.DeliveryDays, """
            DELETE FROM wb_digest_items WHERE id IN (
                SELECT id FROM wb_digest_items WHERE digested_at < $1 ORDER BY digested_at LIMIT $2 FOR UPDATE SKIP LOCKED)
            """));
        services.AddRetentionRule(new RetentionRule("notification_history", o => o.WbDataDays, """
            DELETE FROM notification_history WHERE id IN (
                SELECT id FROM notification_history WHERE sent_at < $1 ORDER BY sent_at LIMIT $2 FOR UPDATE SKIP LOCKED)
            """));
        return services;
    }

    private static void AddClient<T>(IServiceCollection services, RefitSettings settings, Func<WildberriesOptions, string> baseUrl) where T : class =>
        services.AddRefitGeneratedClient<T>(settings).ConfigureHttpClient((sp, http) =>
        {
            var o = sp.GetRequiredService<IOptionsMonitor<WildberriesOptions>>().CurrentValue;
            http.BaseAddress = new Uri(baseUrl(o).TrimEnd('/'));
            // A backstop only: the per-attempt timeout of the pipeline fires first.
            http.Timeout = TimeSpan.FromSeconds(o.RequestTimeoutSeconds * 2 + 5);
        });
}
