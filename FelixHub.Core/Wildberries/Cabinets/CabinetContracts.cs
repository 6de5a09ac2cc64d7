namespace FelixHub.Core.Wildberries.Cabinets;

public sealed record RegisterCabinetRequest(long? TelegramId, string? ApiKey);

public sealed record RegisterCabinetResponse(long CabinetId, string State);

public sealed record CabinetUserResponse(long TelegramId, DateTimeOffset JoinedAt);

/// <summary>A cabinet as the API shows it: never the key.</summary>
public sealed record CabinetResponse(long Id, string State, DateTimeOffset? LastSyncAt, IReadOnlyList<CabinetUserResponse> Users);

/// <summary>design.md's field names; on PUT every field is required.</summary>
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
