using System.ComponentModel.DataAnnotations;

namespace FelixHub.Core.Monitoring;

/// <summary>Alert thresholds (seed 004), all configurable under <c>Alerts</c>.</summary>
public sealed class AlertOptions
{
    public const string Section = "Alerts";

    /// <summary>Success rate of the last hour below this (percent) is a warning.</summary>
    [Range(0, 100)]
    public double SuccessRateWarningPercent { get; set; } = 99;

    /// <summary>Success rate of the last hour below this (percent) is critical: <c>/health</c> answers 503.</summary>
    [Range(0, 100)]
    public double SuccessRateCriticalPercent { get; set; } = 95;

    /// <summary>The success-rate rule needs at least this many notifications in the hour, so one blocked user at night is not an outage.</summary>
    [Range(1, 1_000_000)]
    public int SuccessRateMinimumSample { get; set; } = 20;

    /// <summary>This many failed notifications in the last hour is critical.</summary>
    [Range(1, 1_000_000)]
    public int FailureSpikeCritical { get; set; } = 10;

    /// <summary>Orders in «новый» for longer than this are stuck (warning, and the hourly check tells the admins).</summary>
    [Range(1, 24 * 365)]
    public int StuckOrderHours { get; set; } = 24;

    /// <summary>When the stuck-order check runs (cron, UTC).</summary>
    [Required]
    public string StuckOrderCheckCron { get; set; } = "0 * * * *";

    /// <summary>Time zone of the daily figures of the metrics API.</summary>
    [Required]
    public string TimeZone { get; set; } = "Europe/Moscow";
}
