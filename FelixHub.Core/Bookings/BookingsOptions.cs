using System.ComponentModel.DataAnnotations;

namespace FelixHub.Core.Bookings;

/// <summary>The <c>Bookings</c> section: how reminders show times (their sending is the delivery pipeline's, section <c>Delivery</c>).</summary>
public sealed class BookingsOptions : IValidatableObject
{
    public const string Section = "Bookings";

    /// <summary>The IANA time zone the messages show times in (times are stored in UTC).</summary>
    [Required]
    public string TimeZone { get; set; } = "Europe/Moscow";

    public TimeZoneInfo DisplayTimeZone =>
        TimeZoneInfo.TryFindSystemTimeZoneById(TimeZone, out var zone) ? zone : TimeZoneInfo.Utc;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(TimeZone, out _))
            yield return new ValidationResult($"Bookings:TimeZone '{TimeZone}' is not a known time zone.", [nameof(TimeZone)]);
    }
}
