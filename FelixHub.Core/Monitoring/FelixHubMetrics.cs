using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace FelixHub.Core.Monitoring;

/// <summary>
/// FelixHub's own instruments, on the <see cref="System.Diagnostics.Metrics"/> meter <c>FelixHub</c>;
/// the host exports them (OpenTelemetry) at <c>/metrics</c> and over OTLP. Names and units are chosen so
/// that the Prometheus exporter's rules (unit suffix, <c>_total</c> on counters) give the names
/// documented in docs/operations.md: <c>felixhub_telegram_sends</c> is served as
/// <c>felixhub_telegram_sends_total</c>, a histogram in <c>s</c> gains <c>_seconds</c>.
/// </summary>
public static class FelixHubMetrics
{
    public const string MeterName = "FelixHub";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> TelegramSends = Meter.CreateCounter<long>(
        "felixhub_telegram_sends", description: "Telegram sends by outcome (sent, permanent_failure, transient_failure, breaker_open, pacing_unavailable, not_configured).");

    private static readonly Histogram<double> TelegramSendSeconds = Meter.CreateHistogram(
        "felixhub_telegram_send_duration", unit: "s", description: "Duration of one Telegram send, in-call retries included.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = ExponentialBuckets(0.005, 2, 14) });

    private static readonly Counter<long> TelegramLateSlots = Meter.CreateCounter<long>(
        "felixhub_telegram_late_slots", description: "Bot API calls that left more than half a slot after their slot of the bot's budget and waited for a fresh one.");

    private static readonly Counter<long> Jobs = Meter.CreateCounter<long>(
        "felixhub_jobs", description: "Hangfire job executions by job type and outcome (succeeded, failed).");

    private static readonly Histogram<double> WbSyncSeconds = Meter.CreateHistogram(
        "felixhub_wb_sync_duration", unit: "s", description: "Duration of one Wildberries cabinet sync by outcome.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = ExponentialBuckets(0.05, 2, 14) });

    /// <summary>
    /// Each breaker's last state, process-wide like the meter: breakers are declared (closed) when the
    /// registry is built, which can be before the exporter listens, so the gauge is observed, not pushed.
    /// </summary>
    private static readonly ConcurrentDictionary<string, int> BreakerStates = new(StringComparer.Ordinal);

    private static readonly ObservableGauge<int> BreakerState = Meter.CreateObservableGauge(
        "felixhub_circuit_breaker_state", ObserveBreakers, description: "Circuit breaker state: 0 closed, 1 half-open, 2 open.");

    public static void TelegramLateSlot() => TelegramLateSlots.Add(1);

    public static void TelegramSend(string outcome, TimeSpan duration)
    {
        var tag = new KeyValuePair<string, object?>("outcome", outcome);
        TelegramSends.Add(1, tag);
        TelegramSendSeconds.Record(duration.TotalSeconds, tag);
    }

    public static void JobExecuted(string job, bool succeeded) =>
        Jobs.Add(1, new KeyValuePair<string, object?>("job", job), new KeyValuePair<string, object?>("outcome", succeeded ? "succeeded" : "failed"));

    /// <summary>Openings are counted by Polly's own telemetry (<c>resilience_polly_strategy_events_total{event_name="OnCircuitOpened"}</c>).</summary>
    public static void BreakerOpened(string name) => BreakerStates[name] = 2;

    /// <summary>A breaker exists (closed until it says otherwise); a state already reported for that name is kept.</summary>
    public static void BreakerDeclared(string name) => BreakerStates.TryAdd(name, 0);

    public static void BreakerHalfOpened(string name) => BreakerStates[name] = 1;

    public static void BreakerClosed(string name) => BreakerStates[name] = 0;

    public static void WbSync(bool succeeded, TimeSpan duration) =>
        WbSyncSeconds.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("outcome", succeeded ? "succeeded" : "failed"));

    private static IEnumerable<Measurement<int>> ObserveBreakers()
    {
        foreach (var (name, state) in BreakerStates)
            yield return new Measurement<int>(state, new KeyValuePair<string, object?>("breaker", name));
    }

    private static double[] ExponentialBuckets(double start, double factor, int count)
    {
        var buckets = new double[count];
        for (var i = 0; i < count; i++) buckets[i] = start * Math.Pow(factor, i);
        return buckets;
    }
}
