using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace FelixHub.Core.Inbox;

/// <summary>
/// <c>POST /api/work-orders/{id}/updates</c> (seed 002's <c>handle_work_order_update</c>). The
/// optional <c>technicianId</c> is the work order's technician: they receive the status update and the
/// issue along with the office users.
/// </summary>
public sealed record WorkOrderUpdateRequest(
    string? Status,
    string? Notes,
    string? Issues,
    bool? AlertOffice,
    [property: JsonConverter(typeof(InboxUserIdJsonConverter))] string? TechnicianId);

/// <summary><c>POST /api/manual-notifications</c> (seed 002's <c>manual_notifications</c>): one notification to one technician.</summary>
public sealed record ManualNotificationRequest(
    [property: JsonConverter(typeof(InboxUserIdJsonConverter))] string? TechnicianId,
    int? WorkOrderId,
    string? Message,
    string? Priority);

/// <summary>
/// <c>POST /api/alerts</c>: seed 002's <c>equipment_alert</c> or <c>inventory_alert</c>, to the users in
/// <c>recipientIds</c> and, with <c>office: true</c>, to every office user (<c>Inbox:OfficeUserIds</c>).
/// </summary>
public sealed record AlertRequest(
    string? Type,
    string? Message,
    string? Priority,
    int? WorkOrderId,
    [property: JsonConverter(typeof(InboxUserIdListJsonConverter))] List<string>? RecipientIds,
    bool? Office);

/// <summary>Body of <c>POST /api/inbox/{id}/read</c> when the user id is not in the query.</summary>
public sealed record MarkReadRequest([property: JsonConverter(typeof(InboxUserIdJsonConverter))] string? UserId);

/// <summary>Body of <c>POST /api/inbox/tokens</c>.</summary>
public sealed record InboxTokenRequest([property: JsonConverter(typeof(InboxUserIdJsonConverter))] string? UserId);

public sealed record InboxTokenResponse(string UserId, string Token, DateTimeOffset ExpiresAt);

/// <summary>A notification as a user sees it: the socket's <c>data.notification</c> plus <c>workOrderId</c> and <c>readAt</c>.</summary>
public sealed record InboxItemResponse(
    Guid Id, string Type, string Message, int Priority, JsonNode? Metadata, DateTimeOffset Timestamp,
    bool Read, DateTimeOffset? ReadAt, int? WorkOrderId);

public sealed record InboxListResponse(int UnreadCount, IReadOnlyList<InboxItemResponse> Items);

public sealed record UnreadCountResponse(int UnreadCount);

/// <summary>What a created notification looks like in the 201/202 answers: who received it.</summary>
public sealed record CreatedNotificationResponse(
    Guid Id, string Type, string Message, int Priority, JsonNode? Metadata, DateTimeOffset Timestamp,
    int? WorkOrderId, IReadOnlyList<string> Recipients);

public sealed record WorkOrderUpdateResponse(int WorkOrderId, IReadOnlyList<CreatedNotificationResponse> Notifications);
