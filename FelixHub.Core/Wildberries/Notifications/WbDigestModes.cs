using FelixHub.Core.Recipients;

namespace FelixHub.Core.Wildberries.Notifications;

/// <summary>
/// How a seller gets one kind of WB event (issue 23 §2): each alone at once (<see cref="Immediate"/>, the
/// default), or gathered into one digest message at the end of every local hour (<see cref="Hourly"/>) or
/// once a day at the user's digest time (<see cref="Daily"/>, 09:00 by default), in the user's time zone.
/// </summary>
public static class WbDigestModes
{
    public const string Immediate = "immediate";
    public const string Hourly = "hourly";
    public const string Daily = "daily";

    public static readonly TimeOnly DefaultDailyTime = new(9, 0);

    public static IReadOnlyList<string> All { get; } = [Immediate, Hourly, Daily];

    public static bool IsValid(string? mode) => mode is Immediate or Hourly or Daily;

    /// <summary>
    /// The period an event recorded at <paramref name="now"/> belongs to, as UTC instants: it ends at the next
    /// whole local hour (hourly) or the next local <paramref name="dailyAt"/> (daily), strictly after
    /// <paramref name="now"/>, and starts one period earlier. Local times are turned into UTC safely across DST
    /// changes (a skipped time is the first moment after the gap; a repeated one its first occurrence).
    /// </summary>
    public static (DateTimeOffset Start, DateTimeOffset End) Period(string mode, TimeOnly dailyAt, TimeZoneInfo zone, DateTimeOffset now)
    {
        var local = TimeZoneInfo.ConvertTime(now, zone).DateTime;
        if (mode == Hourly)
        {
            var hour = new DateTime(local.Year, local.Month, local.Day, local.Hour, 0, 0, DateTimeKind.Unspecified);
            var end = ToUtc(hour.AddHours(1), zone);
            // An hour the clocks repeat or skip: never an end at or before now.
            if (end <= now) end = now.AddTicks(TimeSpan.TicksPerHour - (now.UtcTicks % TimeSpan.TicksPerHour));
            var start = ToUtc(hour, zone);
            return (start < end ? start : end.AddHours(-1), end);
        }
        var today = DateOnly.FromDateTime(local).ToDateTime(dailyAt);
        var next = ToUtc(today, zone) > now ? today : today.AddDays(1);
        return (ToUtc(next.AddDays(-1), zone), ToUtc(next, zone));
    }

    /// <summary>The user's zone (an IANA id from <c>recipient_preferences</c>), Moscow when none or unknown.</summary>
    public static TimeZoneInfo Zone(string? timeZone) =>
        QuietWindow.TryZone(timeZone ?? QuietWindow.DefaultTimeZone, out var zone) || QuietWindow.TryZone(QuietWindow.DefaultTimeZone, out zone) ? zone : TimeZoneInfo.Utc;

    private static DateTimeOffset ToUtc(DateTime local, TimeZoneInfo zone)
    {
        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        for (var i = 0; i < 24 * 60 && zone.IsInvalidTime(local); i++) local = local.AddMinutes(1);
        var offset = zone.IsAmbiguousTime(local) ? zone.GetAmbiguousTimeOffsets(local).Max() : zone.GetUtcOffset(local);
        return new DateTimeOffset(local, offset).ToUniversalTime();
    }
}
