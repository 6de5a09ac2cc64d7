using Prometheus;

namespace FelixHub.Core.Monitoring;

/// <summary>
/// FelixHub's Prometheus instruments (prometheus-net, default registry), served by the host at
/// <c>/metrics</c>. Real counters (monotonic, <c>_total</c>) and histograms, so <c>rate()</c> works.
/// </summary>
public static class FelixHubMetrics
{
    private static readonly Counter TelegramSends = Metrics.CreateCounter(
        "felixhub_telegram_sends_total", "Telegram sends by outcome (sent, permanent_failure, transient_failure, not_configured).",
        new CounterConfiguration { LabelNames = ["outcome"] });

    private static readonly Histogram TelegramSendSeconds = Metrics.CreateHistogram(
        "felixhub_telegram_send_duration_seconds", "Duration of one Telegram send, in-call retries included.",
        new HistogramConfiguration { LabelNames = ["outcome"], Buckets = Histogram.ExponentialBuckets(0.005, 2, 14) });

    private static readonly Counter Jobs = Metrics.CreateCounter(
        "felixhub_jobs_total", "Hangfire job executions by job type and outcome (succeeded, failed).",
        new CounterConfiguration { LabelNames = ["job", "outcome"] });

    private static readonly Counter BreakerOpenings = Metrics.CreateCounter(
        "felixhub_circuit_breaker_openings_total", "Times a circuit breaker opened.",
        new CounterConfiguration { LabelNames = ["breaker"] });

    private static readonly Gauge BreakerState = Metrics.CreateGauge(
        "felixhub_circuit_breaker_state", "Circuit breaker state: 0 closed, 1 half-open, 2 open.",
        new GaugeConfiguration { LabelNames = ["breaker"] });

    private static readonly Histogram WbSyncSeconds = Metrics.CreateHistogram(
        "felixhub_wb_sync_duration_seconds", "Duration of one Wildberries cabinet sync by outcome.",
        new HistogramConfiguration { LabelNames = ["outcome"], Buckets = Histogram.ExponentialBuckets(0.05, 2, 14) });

    public static void TelegramSend(string outcome, TimeSpan duration)
    {
        TelegramSends.WithLabels(outcome).Inc();
        TelegramSendSeconds.WithLabels(outcome).Observe(duration.TotalSeconds);
    }

    public static void JobExecuted(string job, bool succeeded) => Jobs.WithLabels(job, succeeded ? "succeeded" : "failed").Inc();

    public static void BreakerOpened(string name)
    {
        BreakerOpenings.WithLabels(name).Inc();
        BreakerState.WithLabels(name).Set(2);
    }

    public static void BreakerHalfOpened(string name) => BreakerState.WithLabels(name).Set(1);

    public static void BreakerClosed(string name) => BreakerState.WithLabels(name).Set(0);

    public static void WbSync(bool succeeded, TimeSpan duration) =>
        WbSyncSeconds.WithLabels(succeeded ? "succeeded" : "failed").Observe(duration.TotalSeconds);
}
