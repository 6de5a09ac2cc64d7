using System.Globalization;

namespace FelixHub.Core.Wildberries;

/// <summary>
/// Turns <c>SYNC_INTERVAL</c> into the cron of the fan-out. A cron fires at fixed wall-clock points,
/// so only intervals that divide their unit evenly can be expressed: 1–59 s dividing a minute
/// (six-field cron with seconds), whole minutes dividing an hour, whole hours dividing a day, or one
/// day. Anything else is refused at start-up rather than silently rounded.
/// </summary>
public static class SyncSchedule
{
    public static string? CronFor(int seconds)
    {
        if (seconds <= 0) return null;
        if (seconds < 60) return 60 % seconds == 0 ? Invariant($"*/{seconds} * * * * *") : null;
        if (seconds % 60 != 0) return null;
        var minutes = seconds / 60;
        if (minutes == 1) return "* * * * *";
        if (minutes < 60) return 60 % minutes == 0 ? Invariant($"*/{minutes} * * * *") : null;
        if (minutes % 60 != 0) return null;
        var hours = minutes / 60;
        if (hours == 1) return "0 * * * *";
        if (hours < 24) return 24 % hours == 0 ? Invariant($"0 */{hours} * * *") : null;
        return hours == 24 ? "0 0 * * *" : null;
    }

    public const string Explanation =
        "SYNC_INTERVAL (Wildberries:SyncIntervalSeconds) must be a positive number of seconds a cron can express: " +
        "1-59 dividing 60 (e.g. 30), whole minutes dividing an hour (60, 120, 180, 300, 600, 900, 1200, 1800), " +
        "whole hours dividing a day (3600, 7200, 10800, ...), or 86400";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
