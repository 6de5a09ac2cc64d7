using System.Globalization;

namespace FelixHub.Core.Wildberries;

/// <summary>
/// How the fan-out keeps <c>SYNC_INTERVAL</c> (<see cref="SyncSchedule.PlanFor"/>).
/// </summary>
/// <param name="IntervalSeconds">SYNC_INTERVAL.</param>
/// <param name="TickSeconds">How often the fan-out runs: the interval itself when a cron expresses it, else a shorter period that one does.</param>
/// <param name="Cron">The fan-out's cron (UTC).</param>
public sealed record SyncPlan(int IntervalSeconds, int TickSeconds, string Cron)
{
    /// <summary>The cron fires exactly every interval: every syncable cabinet is queued at every fan-out.</summary>
    public bool Exact => TickSeconds == IntervalSeconds;

    /// <summary>
    /// For an inexact plan, how long ago a cabinet's last sync must have started for the fan-out to queue
    /// it: the interval less half a tick, so that a sync that started a little after its fan-out is not
    /// pushed one whole tick later. A cabinet's syncs are then SYNC_INTERVAL apart to within half a tick
    /// (exactly, when the tick divides the interval and the queue is not backed up).
    /// </summary>
    public TimeSpan DueAfter => TimeSpan.FromSeconds(IntervalSeconds - TickSeconds / 2.0);
}

/// <summary>
/// Turns <c>SYNC_INTERVAL</c> into the fan-out's schedule. A cron fires at fixed wall-clock points, so
/// only periods that divide their unit evenly are crons: 1–59 s dividing a minute (six-field cron with
/// seconds), whole minutes dividing an hour, whole hours dividing a day, or one day. Such an interval
/// is the fan-out's cron, as it is. Any other positive interval (45, 100, 5400, 172800 …) is honoured
/// with a shorter tick: the largest cron period that divides the interval when it is at least a sixth
/// of it (45 → every 15 s, 100 → 20 s, 5400 → 30 min), otherwise the largest cron period up to a sixth
/// of the interval (47 → 6 s); each fan-out then queues only the cabinets whose last sync started at
/// least <see cref="SyncPlan.DueAfter"/> ago (<c>wb_cabinets.last_sync_started_at</c>, shared by the
/// replicas). A tick of at least a sixth keeps an idle fan-out to at most six cheap queries per interval.
/// </summary>
public static class SyncSchedule
{
    /// <summary>The periods a cron can express, shortest first, with their crons.</summary>
    private static readonly (int Seconds, string Cron)[] Periods = BuildPeriods();

    /// <summary>The cron that fires exactly every <paramref name="seconds"/>, or null when none does.</summary>
    public static string? CronFor(int seconds) => Periods.FirstOrDefault(p => p.Seconds == seconds).Cron;

    /// <summary>The fan-out's schedule for SYNC_INTERVAL, or null for an interval that is not positive.</summary>
    public static SyncPlan? PlanFor(int seconds)
    {
        if (seconds <= 0) return null;
        if (CronFor(seconds) is { } exact) return new SyncPlan(seconds, seconds, exact);
        var divisor = Periods.Where(p => p.Seconds < seconds && seconds % p.Seconds == 0).MaxBy(p => p.Seconds);
        var tick = divisor.Seconds * 6 >= seconds
            ? divisor
            : Periods.Where(p => p.Seconds * 6 <= seconds).DefaultIfEmpty(Periods[0]).MaxBy(p => p.Seconds);
        return new SyncPlan(seconds, tick.Seconds, tick.Cron);
    }

    public const string Explanation = "SYNC_INTERVAL (Wildberries:SyncIntervalSeconds) must be a positive number of seconds";

    private static (int, string)[] BuildPeriods()
    {
        var periods = new List<(int, string)>();
        foreach (var s in Enumerable.Range(1, 59).Where(s => 60 % s == 0))
            periods.Add((s, Invariant($"*/{s} * * * * *")));
        periods.Add((60, "* * * * *"));
        foreach (var m in Enumerable.Range(2, 58).Where(m => 60 % m == 0))
            periods.Add((m * 60, Invariant($"*/{m} * * * *")));
        periods.Add((3600, "0 * * * *"));
        foreach (var h in Enumerable.Range(2, 22).Where(h => 24 % h == 0))
            periods.Add((h * 3600, Invariant($"0 */{h} * * *")));
        periods.Add((86400, "0 0 * * *"));
        return [.. periods];
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
