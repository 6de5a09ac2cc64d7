using System.Text.Json.Serialization;
using FelixHub.Core.Common;

namespace FelixHub.Core.Orders;

public sealed record CreateMechanicRequest(string? Name, [property: JsonConverter(typeof(TelegramIdJsonConverter))] string? TelegramId);

/// <summary>
/// Null leaves a field unchanged; an empty <c>telegramId</c> unlinks the mechanic's Telegram account;
/// <c>active: false</c> deactivates the mechanic, <c>active: true</c> reactivates them.
/// </summary>
public sealed record UpdateMechanicRequest(string? Name, [property: JsonConverter(typeof(TelegramIdJsonConverter))] string? TelegramId, bool? Active = null);

/// <summary>A mechanic; <c>active</c> is false (with <c>deactivatedAt</c>) for one who was deactivated.</summary>
public sealed record MechanicResponse(int Id, string Name, string? TelegramId, bool Active, DateTimeOffset? DeactivatedAt, DateTimeOffset CreatedAt)
{
    public static MechanicResponse From(Mechanic m) => new(m.Id, m.Name, m.TelegramId, m.Active, m.DeactivatedAt, m.CreatedAt);
}

public sealed record CreateOrderRequest(string? CarNumber, string? Category, List<string>? Parts, int? AssignedMechanicId,
    [property: JsonConverter(typeof(TelegramIdJsonConverter))] string? CustomerTelegramId = null);

/// <summary>Null leaves a field unchanged; an empty <c>customerTelegramId</c> removes the customer's chat.</summary>
public sealed record UpdateOrderRequest(string? Status, int? AssignedMechanicId, [property: JsonConverter(typeof(TelegramIdJsonConverter))] string? CustomerTelegramId = null);

public sealed record OrderResponse(
    int Id, string CarNumber, string Category, IReadOnlyList<string> Parts, string Status,
    int? AssignedMechanicId, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset StatusChangedAt,
    string? CustomerTelegramId = null)
{
    public static OrderResponse From(Order o) =>
        new(o.Id, o.CarNumber, o.Category, o.Parts, o.Status, o.AssignedMechanicId, o.CreatedAt, o.UpdatedAt, o.StatusChangedAt, o.CustomerTelegramId);
}

public sealed record NotificationLogResponse(
    long Id, string NotificationType, int? OrderId, int? MechanicId, string TelegramId,
    string MessageHash, bool Success, string? ErrorMessage, DateTimeOffset SentAt);
