using System.Text.Json.Serialization;
using FelixHub.Core.Common;

namespace FelixHub.Core.Wildberries.Cabinets;

/// <summary><c>telegramId</c> is the seller's Telegram user id (a positive integer, as a string or a number); it is stored as <c>BIGINT</c>.</summary>
public sealed record RegisterCabinetRequest([property: JsonConverter(typeof(TelegramIdJsonConverter))] string? TelegramId, string? ApiKey);

/// <summary>
/// The registered cabinet; <c>missingCategories</c> lists the categories the sync uses that the key
/// lacks (empty when it has all four) and what each costs.
/// </summary>
public sealed record RegisterCabinetResponse(long CabinetId, string State, IReadOnlyList<KeyCategoryGap> MissingCategories);

/// <summary>
/// A category the sync uses that the key lacks: <c>category</c> is <c>analytics</c>, <c>content</c> or
/// <c>feedbacks</c>; <c>lostNotifications</c> the notification kinds that will not come
/// (<c>critical_stock</c>, <c>negative_review</c>; none for content, whose loss is the photos);
/// <c>effect</c> says it in words.
/// </summary>
public sealed record KeyCategoryGap(string Category, string Name, IReadOnlyList<string> LostNotifications, string Effect)
{
    public static KeyCategoryGap Of(Wildberries.WbCategory category) =>
        new(Wildberries.WbCategories.Code(category), Wildberries.WbCategories.EnglishName(category),
            Wildberries.WbCategories.LostNotifications(category), Wildberries.WbCategories.EnglishCost(category));
}

/// <summary>Why a key was not accepted (nothing was stored).</summary>
public enum KeyRefusal
{
    /// <summary>Not a WB token (not a JWT, no expiry, too long).</summary>
    Malformed,

    /// <summary>A WB token past its <c>exp</c>.</summary>
    Expired,

    /// <summary>WB's <c>/ping</c> answered 401/403.</summary>
    RejectedByWb,

    /// <summary>The key's categories (<c>s</c>) do not include Statistics, without which nothing can be synced.</summary>
    NoStatistics,

    /// <summary>Replacing a key: the new key belongs to another seller account (its <c>sid</c>/<c>oid</c> differ from the cabinet's).</summary>
    OtherSeller,

    /// <summary>Replacing a key: the new key is already another cabinet's.</summary>
    InUse,
}

/// <summary>A user left a cabinet; <see cref="Deleted"/> when they were its last user and the cabinet went with its data.</summary>
public sealed record CabinetLeft(long CabinetId, bool Deleted);

/// <summary><c>PUT /api/cabinets/{id}/key</c>: the cabinet's new WB API key.</summary>
public sealed record ReplaceKeyRequest(string? ApiKey);

/// <summary>The refusal of a key: the kind, the API's English reason, and what the bot shows (expiry, WB's status and reason).</summary>
public sealed record KeyRefusalDetails(KeyRefusal Kind, string Reason, DateTimeOffset? ExpiredAt, int? WbStatus, string? WbReason);

/// <summary>
/// What registering a key did: refused (<see cref="Refusal"/> set, nothing stored), or the cabinet it
/// joined, its state and the categories the sync uses that the key lacks.
/// </summary>
public sealed record CabinetRegistration(long CabinetId, string State, KeyRefusalDetails? Refusal = null)
{
    public IReadOnlyList<Wildberries.WbCategory> MissingCategories { get; init; } = [];

    /// <summary>The categories the cabinet's sync leaves out (bits as in <c>s</c>).</summary>
    public int DisabledCategories { get; init; }

    /// <summary>When the key expires (its <c>exp</c>).</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    public static CabinetRegistration Refused(KeyRefusal kind, string reason, DateTimeOffset? expiredAt = null, int? wbStatus = null, string? wbReason = null) =>
        new(0, "", new KeyRefusalDetails(kind, reason, expiredAt, wbStatus, wbReason));
}

/// <summary>A user of a cabinet: <c>telegramId</c> is written as a string, like every Telegram id in the API.</summary>
public sealed record CabinetUserResponse(string TelegramId, DateTimeOffset JoinedAt);

/// <summary>
/// A cabinet as the API shows it: never the key. <c>disabledCategories</c> are the categories the sync
/// leaves out — the key lacks them, or WB refused them during a sync (<c>analytics</c>, <c>content</c>,
/// <c>feedbacks</c>).
/// </summary>
public sealed record CabinetResponse(long Id, string State, DateTimeOffset? LastSyncAt, IReadOnlyList<string> DisabledCategories, IReadOnlyList<CabinetUserResponse> Users);

/// <summary>A user's WB notification switches, named as the HTTP API (v1) names them; on PUT every field is required.</summary>
public sealed record NotificationSettingsDto(
    bool? NotificationsEnabled,
    bool? NewOrdersEnabled,
    bool? OrderBuyoutsEnabled,
    bool? OrderCancellationsEnabled,
    bool? OrderReturnsEnabled,
    bool? NegativeReviewsEnabled,
    bool? CriticalStocksEnabled);

/// <summary>WB could not be asked (down, rate-limited, unreachable): the API answers 503, not 400.</summary>
public sealed class WbUnavailableException(string message, TimeSpan? retryAfter = null, Exception? inner = null) : Exception(message, inner)
{
    public TimeSpan? RetryAfter { get; } = retryAfter;
}
