using System.ComponentModel.DataAnnotations;

namespace FelixHub.Core.Retention;

/// <summary>The <c>Retention</c> section: how long old rows are kept, and the daily job that removes them.</summary>
public sealed class RetentionOptions
{
    public const string Section = "Retention";

    /// <summary>Cron (UTC) of the daily <c>retention</c> job.</summary>
    [Required]
    public string Cron { get; set; } = "15 3 * * *";

    /// <summary>Finished messages of the delivery ledger (sent, failed, skipped, cancelled) and the attempt log, by age.</summary>
    [Range(1, 3650)]
    public int DeliveryDays { get; set; } = 90;

    /// <summary>In-app notifications a user has read, by when they read it (unread ones stay).</summary>
    [Range(1, 3650)]
    public int InboxReadDays { get; set; } = 90;

    /// <summary>The WB sync log (one row per sync), by start time.</summary>
    [Range(1, 3650)]
    public int WbSyncLogDays { get; set; } = 30;

    /// <summary>
    /// The synced WB rows (orders and sales by their date, reviews by theirs) and the WB notification
    /// history, by age. WB's statistics return at most 90 days, so it must be longer than that; a row
    /// older than this age is never announced, even if WB returns it again.
    /// </summary>
    [Range(91, 3650)]
    public int WbDataDays { get; set; } = 120;

    /// <summary>Rows one statement deletes: each batch is its own short transaction, so no sender waits long on a lock.</summary>
    [Range(100, 100_000)]
    public int BatchSize { get; set; } = 5000;

    /// <summary>A pause between two batches, so the senders' statements and WAL writes get their turn during a big run.</summary>
    [Range(0, 10_000)]
    public int PauseMilliseconds { get; set; } = 50;
}
