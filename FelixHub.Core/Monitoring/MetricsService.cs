using FelixHub.Core.Common;
using FelixHub.Core.Delivery;
using FelixHub.Core.Orders;
using FelixHub.Core.Persistence;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace FelixHub.Core.Monitoring;

/// <summary>
/// The figures behind <c>/api/metrics/*</c> (seed 004). Each is one indexed query over the
/// application tables; days are counted in <see cref="AlertOptions.TimeZone"/>.
/// </summary>
public sealed class MetricsService(
    FelixHubDbContext db,
    AlertEvaluator alerts,
    CircuitBreakers breakers,
    JobStorage jobs,
    IOptionsMonitor<AlertOptions> options,
    TimeProvider time)
{
    private string Zone => options.CurrentValue.TimeZone;

    public async Task<IReadOnlyList<DailyCount>> OrdersPerDayAsync(int days, CancellationToken ct)
    {
        CheckRange(days, 1, 365, "days");
        var (from, firstDay) = Window(days);
        var rows = await db.Database.SqlQuery<DayRow>($"""
            SELECT (created_at AT TIME ZONE {Zone})::date AS "Day", count(*) AS "Count"
            FROM orders WHERE created_at >= {from} GROUP BY 1
            """).ToListAsync(ct);
        return FillDays(firstDay, days, rows);
    }

    public async Task<StatusChangesReport> StatusChangesAsync(int days, CancellationToken ct)
    {
        CheckRange(days, 1, 365, "days");
        var (from, firstDay) = Window(days);
        var perDay = await db.Database.SqlQuery<DayRow>($"""
            SELECT (changed_at AT TIME ZONE {Zone})::date AS "Day", count(*) AS "Count"
            FROM order_status_changes WHERE changed_at >= {from} GROUP BY 1
            """).ToListAsync(ct);
        var transitions = await db.OrderStatusChanges.Where(c => c.ChangedAt >= from)
            .GroupBy(c => new { c.OldStatus, c.NewStatus })
            .Select(g => new StatusTransitionCount(g.Key.OldStatus, g.Key.NewStatus, g.LongCount()))
            .ToListAsync(ct);
        return new StatusChangesReport(days, FillDays(firstDay, days, perDay),
            transitions.OrderByDescending(t => t.Count).ThenBy(t => t.OldStatus, StringComparer.Ordinal).ToList());
    }

    public async Task<SuccessRateReport> SuccessRateAsync(int hours, CancellationToken ct)
    {
        CheckRange(hours, 1, 24 * 90, "hours");
        var from = time.GetUtcNow().AddHours(-hours);
        var rows = await FinishedMessages(from)
            .GroupBy(m => m.Kind)
            .Select(g => new { Type = g.Key, Total = g.LongCount(), Successful = g.LongCount(m => m.State == DeliveryStates.Sent) })
            .ToListAsync(ct);
        var byType = rows.OrderBy(r => r.Type, StringComparer.Ordinal)
            .Select(r => new SuccessRateByType(r.Type, r.Total, r.Successful, r.Total - r.Successful, Rate(r.Successful, r.Total) ?? 0))
            .ToList();
        var total = rows.Sum(r => r.Total);
        var successful = rows.Sum(r => r.Successful);
        return new SuccessRateReport(hours, total, successful, total - successful, Rate(successful, total), byType);
    }

    public async Task<IReadOnlyList<FailureEntry>> RecentFailuresAsync(int hours, int limit, CancellationToken ct)
    {
        CheckRange(hours, 1, 24 * 90, "hours");
        CheckRange(limit, 1, 1000, "limit");
        var from = time.GetUtcNow().AddHours(-hours);
        return await db.NotificationLogs.Where(l => !l.Success && l.SentAt >= from)
            .OrderByDescending(l => l.SentAt).ThenByDescending(l => l.Id).Take(limit)
            .Select(l => new FailureEntry(l.Id, l.NotificationType, l.OrderId, l.TelegramId, l.ErrorMessage, l.SentAt))
            .ToListAsync(ct);
    }

    public async Task<DailySummary> SummaryAsync(CancellationToken ct)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(Zone);
        var now = time.GetUtcNow();
        var localNow = TimeZoneInfo.ConvertTime(now, zone);
        var today = DateOnly.FromDateTime(localNow.DateTime);
        var startOfDay = new DateTimeOffset(localNow.Date, localNow.Offset).ToUniversalTime();
        var stuckBefore = now.AddHours(-options.CurrentValue.StuckOrderHours);

        var ordersCreated = await db.Orders.LongCountAsync(o => o.CreatedAt >= startOfDay, ct);
        var changes = await db.OrderStatusChanges.LongCountAsync(c => c.ChangedAt >= startOfDay, ct);
        var notifications = await FinishedMessages(startOfDay)
            .GroupBy(_ => 1).Select(g => new { Total = g.LongCount(), Failed = g.LongCount(m => m.State == DeliveryStates.Failed) })
            .FirstOrDefaultAsync(ct);
        var stuck = await db.Orders.LongCountAsync(o => o.Status == OrderStatus.New && o.StatusChangedAt < stuckBefore, ct);
        var active = await alerts.EvaluateAsync(ct);
        var total = notifications?.Total ?? 0;
        var failed = notifications?.Failed ?? 0;
        return new DailySummary(today, Zone, ordersCreated, changes, total, failed, Rate(total - failed, total), stuck,
            active.Count, active.Count(a => a.Severity == AlertSeverity.Critical));
    }

    public async Task<Dashboard> DashboardAsync(CancellationToken ct) => new(
        await SummaryAsync(ct),
        await OrdersPerDayAsync(7, ct),
        await SuccessRateAsync(24, ct),
        await alerts.EvaluateAsync(ct),
        breakers.All(),
        JobCountsNow());

    public Task<IReadOnlyList<Alert>> AlertsAsync(CancellationToken ct) => alerts.EvaluateAsync(ct);

    public IReadOnlyList<CircuitBreakerStatus> CircuitBreakers() => breakers.All();

    /// <summary>Messages, not attempts: those delivered or failed for good since <paramref name="from"/>.</summary>
    private IQueryable<DeliveryMessage> FinishedMessages(DateTimeOffset from) =>
        db.Set<DeliveryMessage>().Where(m => m.FinishedAt >= from && (m.State == DeliveryStates.Sent || m.State == DeliveryStates.Failed));

    private JobCounts JobCountsNow()
    {
        var s = jobs.GetMonitoringApi().GetStatistics();
        return new JobCounts(s.Enqueued, s.Scheduled, s.Processing, s.Succeeded, s.Failed, s.Servers, s.Recurring);
    }

    private (DateTimeOffset From, DateOnly FirstDay) Window(int days)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(Zone);
        var localNow = TimeZoneInfo.ConvertTime(time.GetUtcNow(), zone);
        var firstLocal = localNow.Date.AddDays(-(days - 1));
        var from = new DateTimeOffset(firstLocal, zone.GetUtcOffset(firstLocal)).ToUniversalTime();
        return (from, DateOnly.FromDateTime(firstLocal));
    }

    private static List<DailyCount> FillDays(DateOnly first, int days, List<DayRow> rows)
    {
        var counts = rows.ToDictionary(r => r.Day, r => r.Count);
        return Enumerable.Range(0, days).Select(i => first.AddDays(i)).Select(d => new DailyCount(d, counts.GetValueOrDefault(d))).ToList();
    }

    private static double? Rate(long successful, long total) => total == 0 ? null : Math.Round(100.0 * successful / total, 2);

    private static void CheckRange(int value, int min, int max, string field) =>
        new Validator().Check(value >= min && value <= max, field, $"'{field}' must be between {min} and {max}.").ThrowIfInvalid();

    private sealed record DayRow(DateOnly Day, long Count);
}
