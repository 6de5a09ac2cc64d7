namespace FelixHub.Core.Wildberries.Notifications;

/// <summary>The six event types of seed 003 (each with its switch) and the messages about the cabinet itself, which every user of it gets.</summary>
public static class WbEventType
{
    public const string NewOrder = "new_order";
    public const string OrderBuyout = "order_buyout";
    public const string OrderCancellation = "order_cancellation";
    public const string OrderReturn = "order_return";
    public const string NegativeReview = "negative_review";
    public const string CriticalStock = "critical_stock";

    /// <summary>Not switchable: the user is told once that the main menu is available.</summary>
    public const string SyncComplete = "sync_complete";

    /// <summary>Not switchable: WB refused the key for Statistics; the cabinet stopped syncing and the user is told what to do.</summary>
    public const string KeyRejected = "key_rejected";

    /// <summary>Not switchable: WB refused the key for one category; which notifications stop and how to get them back.</summary>
    public const string CategoryRefused = "category_refused";

    /// <summary>Not switchable: the cabinet's key expires within 7 days (or 1 day); when, and how to replace it.</summary>
    public const string KeyExpiring = "key_expiring";

    /// <summary>A digest: the events of one period of the kinds the user gets in digests (issue 23 §2), in one message.</summary>
    public const string Digest = "wb_digest";

    /// <summary>The messages about the cabinet: sent whatever the user's switches say.</summary>
    public static IReadOnlyList<string> CabinetNotices { get; } = [SyncComplete, KeyRejected, CategoryRefused, KeyExpiring];

    public static IReadOnlyList<string> Switchable { get; } = [NewOrder, OrderBuyout, OrderCancellation, OrderReturn, NegativeReview, CriticalStock];

    /// <summary>SQL: the digest mode of the event type in <c>{typeColumn}</c> under settings row <c>s</c> (absent: immediate).</summary>
    public static string ModeSql(string typeColumn) => $"""
        (CASE {typeColumn}
            WHEN '{NewOrder}' THEN s.new_orders_mode
            WHEN '{OrderBuyout}' THEN s.order_buyouts_mode
            WHEN '{OrderCancellation}' THEN s.order_cancellations_mode
            WHEN '{OrderReturn}' THEN s.order_returns_mode
            WHEN '{NegativeReview}' THEN s.negative_reviews_mode
            WHEN '{CriticalStock}' THEN s.critical_stocks_mode
            END)
        """;

    /// <summary>SQL: whether settings row <c>s</c> (possibly absent: all on) allows the event type in <c>{typeColumn}</c>.</summary>
    public static string AllowedSql(string typeColumn) => $"""
        ({typeColumn} IN ('{SyncComplete}', '{KeyRejected}', '{CategoryRefused}', '{KeyExpiring}', '{Digest}') OR (COALESCE(s.notifications_enabled, true) AND CASE {typeColumn}
            WHEN '{NewOrder}' THEN COALESCE(s.new_orders_enabled, true)
            WHEN '{OrderBuyout}' THEN COALESCE(s.order_buyouts_enabled, true)
            WHEN '{OrderCancellation}' THEN COALESCE(s.order_cancellations_enabled, true)
            WHEN '{OrderReturn}' THEN COALESCE(s.order_returns_enabled, true)
            WHEN '{NegativeReview}' THEN COALESCE(s.negative_reviews_enabled, true)
            WHEN '{CriticalStock}' THEN COALESCE(s.critical_stocks_enabled, true)
            ELSE false END))
        """;
}

/// <summary>One thing that happened, to be told to every user of the cabinet whose settings allow it; <see cref="Key"/> makes it once per user.</summary>
public sealed record WbEvent(string Type, string Key, string Text, string? PhotoUrl)
{
    /// <summary>What a digest counts of it (product, money, stars or units left); null for the cabinet's notices, which are never gathered.</summary>
    public WbDigestFact? Fact { get; init; }
}

/// <summary>The facts of an event a digest needs: the product, the money (<paramref name="Amount"/>) and a review's stars or a stock's units (<paramref name="Value"/>).</summary>
public sealed record WbDigestFact(long NmId, string? Product, string? Article, decimal? Amount, int? Value);
