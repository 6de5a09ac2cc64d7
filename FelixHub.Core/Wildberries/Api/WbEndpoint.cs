namespace FelixHub.Core.Wildberries.Api;

/// <summary>The WB endpoints a sync calls; each has its own per-cabinet rate limit and cursor.</summary>
public static class WbEndpoint
{
    public const string Orders = "orders";
    public const string Sales = "sales";
    public const string FeedbacksUnanswered = "feedbacks-unanswered";
    public const string FeedbacksAnswered = "feedbacks-answered";
    public const string Feedbacks = "feedbacks";
    public const string Stocks = "stocks";
    public const string Content = "content";

    /// <summary>The WB host an endpoint lives on; each host has its own circuit breaker.</summary>
    public static string Host(string endpoint) => endpoint switch
    {
        Feedbacks or FeedbacksAnswered or FeedbacksUnanswered => "feedbacks",
        Stocks => "analytics",
        Content => "content",
        _ => "statistics",
    };

    public static IReadOnlyList<string> Hosts { get; } = ["statistics", "feedbacks", "analytics", "content"];

    /// <summary>The minimum time between two calls, from WB's published limits (and the token type for statistics).</summary>
    public static TimeSpan IntervalFor(string endpoint, int? tokenType, WildberriesOptions o)
    {
        var isBase = tokenType == WbApiKey.BaseTokenType;
        var seconds = endpoint switch
        {
            Orders => isBase ? o.BaseTokenOrdersIntervalSeconds : o.StatisticsIntervalSeconds,
            Sales => isBase ? o.BaseTokenSalesIntervalSeconds : o.StatisticsIntervalSeconds,
            Feedbacks => o.FeedbacksIntervalSeconds,
            Stocks => o.AnalyticsIntervalSeconds,
            Content => o.ContentIntervalSeconds,
            _ => throw new ArgumentOutOfRangeException(nameof(endpoint), endpoint, "Unknown WB endpoint."),
        };
        return TimeSpan.FromSeconds(seconds);
    }
}
