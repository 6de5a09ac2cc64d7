using System.ComponentModel.DataAnnotations;
using FelixHub.Core.Telegram;

namespace FelixHub.Core.Delivery;

/// <summary>The <c>Delivery</c> section: the dispatch path (scheduled and bulk messages) and the record of a late send.</summary>
public sealed class DeliveryOptions : IValidatableObject
{
    public const string Section = "Delivery";

    /// <summary>
    /// Telegram accepted a message but the database went away before its state was written: the send
    /// keeps trying to write it for this long (instead of failing, which would send the message again).
    /// </summary>
    [Range(0, 3600)]
    public int SentRecordRetrySeconds { get; set; } = 120;

    /// <summary>
    /// Cron (UTC) of the recurring dispatch job; Hangfire rejects a bad one at start-up. Writes of bulk
    /// messages start a run at once besides, and the waker sends scheduled ones at their time: the cron is
    /// the safety net that does not depend on any one replica's waker.
    /// </summary>
    [Required]
    public string DispatchCron { get; set; } = "* * * * *";

    /// <summary>
    /// Each replica that runs a Hangfire server sends dispatch-path messages at their due time: its
    /// due-time waker (<see cref="DeliveryWaker"/>) sleeps until the ledger's next due time and is told of
    /// earlier ones (in-process, and by other replicas through NOTIFY on one LISTEN connection). Off: they
    /// go out with the runs of <see cref="DispatchCron"/> only (up to a tick late).
    /// </summary>
    public bool WakerEnabled { get; set; } = true;

    /// <summary>
    /// The waker reads the ledger's next due time at least this often (a safety net for a NOTIFY it could not
    /// hear), checks its LISTEN connection after this much silence, and reconnects it after at most this long.
    /// </summary>
    [Range(1, 3600)]
    public double WakerMaxSleepSeconds { get; set; } = 60;

    /// <summary>Messages claimed and sent at once (one UPDATE ... FOR UPDATE SKIP LOCKED, one bulk send; <c>Telegram:BatchSendParallelism</c> in flight).</summary>
    [Range(1, 1000)]
    public int BatchSize { get; set; } = 100;

    /// <summary>A run keeps claiming batches until nothing is due or it has claimed this many; then a follow-up run goes on.</summary>
    [Range(1, 1_000_000)]
    public int MaxPerRun { get; set; } = 5000;

    /// <summary>
    /// The claim's lease: a message left <c>sending</c> this long (its dispatcher was killed) is reclaimed. A live
    /// dispatcher holds its rows' locks while it sends, so a lease that runs out under a slow send hands nothing out
    /// twice: the lease only decides how soon a killed dispatcher's messages go out again.
    /// </summary>
    [Range(10, 86_400)]
    public int LeaseSeconds { get; set; } = 60;

    /// <summary>Attempts of one dispatched message before a transient failure makes it <c>failed</c> (a dead letter).</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Backoff after the first transient failure; it doubles each time, up to <see cref="RetryMaxDelaySeconds"/>.</summary>
    [Range(1, 86_400)]
    public int RetryBaseDelaySeconds { get; set; } = 60;

    [Range(1, 86_400)]
    public int RetryMaxDelaySeconds { get; set; } = 3600;

    /// <summary>
    /// The priority class of each message kind on the bot's shared budget (<see cref="TelegramPriority"/>):
    /// <c>High</c> messages take the next free slot and are claimed by the dispatcher before <c>Bulk</c>
    /// ones; <c>Bulk</c> gets what is left. A kind not listed is <c>High</c>. A feature names the default
    /// of its own kinds (<see cref="DeliveryServiceCollectionExtensions.AddDeliveryPriority"/>: the WB
    /// events are <c>Bulk</c>); configuration adds kinds or overrides these (<c>Delivery:Priorities:new_order=High</c>).
    /// </summary>
    public Dictionary<string, TelegramPriority> Priorities { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The priority class of messages of <paramref name="kind"/>.</summary>
    public TelegramPriority PriorityOf(string kind) => Priorities.TryGetValue(kind, out var p) ? p : TelegramPriority.High;

    /// <summary>The kinds whose class is <c>Bulk</c> (what the dispatcher claims last).</summary>
    public string[] BulkKinds() => [.. Priorities.Where(p => p.Value == TelegramPriority.Bulk).Select(p => p.Key)];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (RetryMaxDelaySeconds < RetryBaseDelaySeconds)
            yield return new ValidationResult("Delivery:RetryMaxDelaySeconds must be at least RetryBaseDelaySeconds.", [nameof(RetryMaxDelaySeconds)]);
    }

    /// <summary>The wait before the next attempt after <paramref name="attempts"/> attempts ended in a transient failure.</summary>
    public TimeSpan RetryDelay(int attempts)
    {
        var exponent = Math.Clamp(attempts - 1, 0, 30);
        var seconds = Math.Min((double)RetryBaseDelaySeconds * Math.Pow(2, exponent), RetryMaxDelaySeconds);
        return TimeSpan.FromSeconds(seconds);
    }
}
