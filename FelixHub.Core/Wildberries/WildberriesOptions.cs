using System.ComponentModel.DataAnnotations;

namespace FelixHub.Core.Wildberries;

/// <summary>The <c>Wildberries</c> section: WB hosts, the sync schedule, WB's rate limits and the retry policy.</summary>
public sealed class WildberriesOptions
{
    public const string Section = "Wildberries";

    /// <summary>Seconds between two syncs of a cabinet (env alias <c>SYNC_INTERVAL</c>): any positive number; <see cref="SyncSchedule"/> turns it into the fan-out's cron.</summary>
    [Range(1, 86_400)]
    public int SyncIntervalSeconds { get; set; } = 180;

    /// <summary>How many days of history the initial sync loads.</summary>
    [Range(1, 90)]
    public int InitialSyncDays { get; set; } = 7;

    [Required, Url]
    public string StatisticsBaseUrl { get; set; } = "https://statistics-api.wildberries.ru";

    [Required, Url]
    public string FeedbacksBaseUrl { get; set; } = "https://feedbacks-api.wildberries.ru";

    [Required, Url]
    public string AnalyticsBaseUrl { get; set; } = "https://seller-analytics-api.wildberries.ru";

    [Required, Url]
    public string ContentBaseUrl { get; set; } = "https://content-api.wildberries.ru";

    /// <summary>Rows per statistics page as WB serves them (about 80,000): a shorter page is the last one.</summary>
    [Range(1, 1_000_000)]
    public int StatisticsPageSize { get; set; } = 80_000;

    /// <summary>
    /// Rows of a statistics page written per transaction while the page is still being read: memory stays
    /// bounded by this, not by WB's page. The cursor moves only after the page's last batch.
    /// </summary>
    [Range(1, 1_000_000)]
    public int StatisticsWriteBatchSize { get; set; } = 10_000;

    /// <summary>Reviews per feedbacks request (WB allows up to 5,000).</summary>
    [Range(1, 5_000)]
    public int FeedbacksPageSize { get; set; } = 5_000;

    /// <summary>Rows per stocks-report request.</summary>
    [Range(1, 250_000)]
    public int StocksPageSize { get; set; } = 100_000;

    /// <summary>Cards per content request (WB allows up to 100).</summary>
    [Range(1, 100)]
    public int ContentPageSize { get; set; } = 100;

    /// <summary>How often a regular sync refreshes product names and photos from the Content API.</summary>
    [Range(0, 100_000)]
    public int ContentRefreshMinutes { get; set; } = 360;

    /// <summary>Minimum seconds between two calls of one statistics endpoint (orders, sales) for Personal/Service tokens: WB allows 1/min.</summary>
    [Range(0, 86_400)]
    public double StatisticsIntervalSeconds { get; set; } = 60;

    /// <summary>Orders with a Base token (acc=1): 1 per 3 h.</summary>
    [Range(0, 86_400)]
    public double BaseTokenOrdersIntervalSeconds { get; set; } = 10_800;

    /// <summary>Sales with a Base token (acc=1): 1 per 2 h.</summary>
    [Range(0, 86_400)]
    public double BaseTokenSalesIntervalSeconds { get; set; } = 7_200;

    /// <summary>Feedbacks: 3 requests per second.</summary>
    [Range(0, 86_400)]
    public double FeedbacksIntervalSeconds { get; set; } = 0.34;

    /// <summary>Stocks report: 3 requests per minute.</summary>
    [Range(0, 86_400)]
    public double AnalyticsIntervalSeconds { get; set; } = 20;

    /// <summary>Content cards: 100 requests per minute.</summary>
    [Range(0, 86_400)]
    public double ContentIntervalSeconds { get; set; } = 0.6;

    /// <summary>The longest a sync waits for a rate-limit slot (or a 429's retry time); beyond it the endpoint is left for a later sync.</summary>
    [Range(0, 3_600)]
    public double MaxRateLimitWaitSeconds { get; set; } = 90;

    /// <summary>Timeout of one HTTP attempt (a statistics page can hold 80,000 rows).</summary>
    [Range(1, 600)]
    public int RequestTimeoutSeconds { get; set; } = 120;

    /// <summary>Retries of one call after a 5xx, timeout or network error (and after a 429, whose wait the rate limiter takes).</summary>
    [Range(0, 20)]
    public int MaxRetryAttempts { get; set; } = 6;

    /// <summary>First backoff delay after a 5xx; it doubles on each retry up to <see cref="MaxRetryDelaySeconds"/>.</summary>
    [Range(0, 600_000)]
    public int RetryBaseDelayMilliseconds { get; set; } = 2_000;

    /// <summary>The longest single backoff delay (5 minutes, as the seed asks).</summary>
    [Range(0, 3_600)]
    public int MaxRetryDelaySeconds { get; set; } = 300;

    /// <summary>How long a sync holds its cabinet; a live sync renews it after every page, so only a dead one's lease runs out.</summary>
    [Range(1, 1_440)]
    public int SyncLeaseMinutes { get; set; } = 15;

    /// <summary>Total stock across warehouses (in transit excluded) at or below which a product is critical.</summary>
    [Range(0, 1_000_000)]
    public int CriticalStockThreshold { get; set; } = 2;

    /// <summary>Circuit breaker per WB host: within this window (seconds), at least <see cref="BreakerMinimumThroughput"/> calls and <see cref="BreakerFailureRatio"/> of them failing (5xx, timeouts, network) open it.</summary>
    [Range(1, 3600)]
    public int BreakerSamplingSeconds { get; set; } = 60;

    [Range(2, 10_000)]
    public int BreakerMinimumThroughput { get; set; } = 10;

    [Range(0.01, 1.0)]
    public double BreakerFailureRatio { get; set; } = 0.8;

    /// <summary>How long a host's breaker stays open before one probe call.</summary>
    [Range(1, 3600)]
    public int BreakerBreakSeconds { get; set; } = 120;

    /// <summary>A bot's webhook: when set, WB notifications are POSTed there (signed) instead of sent to Telegram.</summary>
    public string WebhookUrl { get; set; } = "";

    /// <summary>The HMAC-SHA256 key of the webhook's signature (at least 16 characters when WebhookUrl is set). Never logged.</summary>
    public string WebhookSecret { get; set; } = "";

    [Range(1, 120)]
    public int WebhookTimeoutSeconds { get; set; } = 10;

    /// <summary>Cron (UTC) of the <c>wb-digest</c> job that builds the digests whose period has ended (issue 23 §2); a digest goes out within one tick of its time.</summary>
    [Required]
    public string DigestCron { get; set; } = "* * * * *";
}
