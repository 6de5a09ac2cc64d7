namespace FelixHub.Core.Monitoring;

public sealed record DailyCount(DateOnly Date, long Count);

public sealed record StatusTransitionCount(string OldStatus, string NewStatus, long Count);

public sealed record StatusChangesReport(int Days, IReadOnlyList<DailyCount> PerDay, IReadOnlyList<StatusTransitionCount> Transitions);

public sealed record SuccessRateByType(string NotificationType, long Total, long Successful, long Failed, double SuccessRate);

public sealed record SuccessRateReport(int Hours, long Total, long Successful, long Failed, double? SuccessRate, IReadOnlyList<SuccessRateByType> ByType);

public sealed record FailureEntry(long Id, string NotificationType, int? OrderId, string TelegramId, string? ErrorMessage, DateTimeOffset SentAt);

public sealed record DailySummary(
    DateOnly Date, string TimeZone, long OrdersCreated, long StatusChanges, long NotificationsTotal, long NotificationsFailed,
    double? SuccessRate, long StuckOrders, int ActiveAlerts, int CriticalAlerts);

public sealed record JobCounts(long Enqueued, long Scheduled, long Processing, long Succeeded, long Failed, long Servers, long Recurring);

/// <summary><c>GET /api/metrics/alerts</c>: <c>status</c> is <c>ok</c>, <c>warning</c> or <c>critical</c> (the worst alert).</summary>
public sealed record AlertsResponse(string Status, IReadOnlyList<Alert> Alerts);

public sealed record Dashboard(
    DailySummary Summary, IReadOnlyList<DailyCount> OrdersLast7Days, SuccessRateReport Notifications24h,
    IReadOnlyList<Alert> Alerts, IReadOnlyList<CircuitBreakerStatus> CircuitBreakers, JobCounts Jobs);
