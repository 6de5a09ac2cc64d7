using System.ComponentModel.DataAnnotations;

namespace FelixHub.Core.Bookings;

/// <summary>The <c>Bookings</c> section: reminder display and the dispatch job.</summary>
public sealed class BookingsOptions : IValidatableObject
{
    public const string Section = "Bookings";

    /// <summary>The IANA time zone the messages show times in (times are stored in UTC).</summary>
    [Required]
    public string TimeZone { get; set; } = "Europe/Moscow";

    /// <summary>Cron (UTC) of the recurring dispatch job; Hangfire rejects a bad one at start-up.</summary>
    [Required]
    public string DispatchCron { get; set; } = "* * * * *";

    /// <summary>Reminders claimed and sent at once (one UPDATE ... FOR UPDATE SKIP LOCKED, one bulk send; <c>Telegram:BatchSendParallelism</c> in flight).</summary>
    [Range(1, 1000)]
    public int BatchSize { get; set; } = 100;

    /// <summary>A run keeps claiming batches until nothing is due or it has claimed this many.</summary>
    [Range(1, 1_000_000)]
    public int MaxPerRun { get; set; } = 5000;

    /// <summary>The claim's lease: a reminder left <c>PROCESSING</c> this long (a crashed worker) is reclaimed.</summary>
    [Range(10, 86_400)]
    public int ProcessingTimeoutSeconds { get; set; } = 300;

    /// <summary>Claims of one reminder before a transient failure becomes <c>FAILED</c>.</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Backoff after the first transient failure; it doubles each time, up to <see cref="RetryMaxDelaySeconds"/>.</summary>
    [Range(1, 86_400)]
    public int RetryBaseDelaySeconds { get; set; } = 60;

    [Range(1, 86_400)]
    public int RetryMaxDelaySeconds { get; set; } = 3600;

    public TimeZoneInfo DisplayTimeZone =>
        TimeZoneInfo.TryFindSystemTimeZoneById(TimeZone, out var zone) ? zone : TimeZoneInfo.Utc;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(TimeZone, out _))
            yield return new ValidationResult($"Bookings:TimeZone '{TimeZone}' is not a known time zone.", [nameof(TimeZone)]);
        if (RetryMaxDelaySeconds < RetryBaseDelaySeconds)
            yield return new ValidationResult("Bookings:RetryMaxDelaySeconds must be at least RetryBaseDelaySeconds.", [nameof(RetryMaxDelaySeconds)]);
    }

    /// <summary>The wait before the next attempt after <paramref name="attempts"/> claims ended in a transient failure.</summary>
    public TimeSpan RetryDelay(int attempts)
    {
        var exponent = Math.Clamp(attempts - 1, 0, 30);
        var seconds = Math.Min((double)RetryBaseDelaySeconds * Math.Pow(2, exponent), RetryMaxDelaySeconds);
        return TimeSpan.FromSeconds(seconds);
    }
}
