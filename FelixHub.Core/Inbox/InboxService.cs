using System.Globalization;
using System.Text.Json.Nodes;
using FelixHub.Core.Common;
using FelixHub.Core.Orders;
using FelixHub.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FelixHub.Core.Inbox;

/// <summary>
/// Creates in-app notifications (seed 002), lists them and marks them read. New notifications commit
/// together with their recipients and their NOTIFY, and a read commits together with its NOTIFY: an
/// event reaches the user's sockets on every replica exactly when it is true, and never without it.
/// </summary>
/// <remarks>
/// Recipients: a status update and an issue go to the office users (<c>Inbox:OfficeUserIds</c>) and to
/// the work order's technician when the update names one (<c>technicianId</c>); an office alert goes
/// to the office users; a manual notification goes to its technician only; an equipment or inventory
/// alert goes to the users it names and, if it asks, to the office users.
/// </remarks>
public sealed partial class InboxService(
    FelixHubDbContext db,
    IOptionsMonitor<InboxOptions> options,
    TimeProvider time,
    ILogger<InboxService> logger)
{
    public const int MaxMessageLength = 2000;
    public const int MaxTextLength = 2000;
    public const int MaxStatusLength = 50;
    public const int MaxListLimit = 200;

    public async Task<WorkOrderUpdateResponse> PostWorkOrderUpdateAsync(int workOrderId, WorkOrderUpdateRequest request, CancellationToken ct)
    {
        using var scope = Correlation.Push("workOrderId", workOrderId);
        new Validator()
            .Required(request.Status, "status", MaxStatusLength)
            .Optional(request.Notes, "notes", MaxTextLength)
            .Optional(request.Issues, "issues", MaxTextLength)
            .Check(request.TechnicianId is null || InboxUserId.IsValid(request.TechnicianId), "technicianId", UserIdRule("technicianId"))
            .ThrowIfInvalid();
        if (!await db.Set<Order>().AnyAsync(o => o.Id == workOrderId, ct))
            throw new NotFoundException("Work order", workOrderId);

        var status = request.Status!.Trim();
        var notes = request.Notes;
        // As the seed: an empty issues text reports no issue.
        var issues = string.IsNullOrWhiteSpace(request.Issues) ? null : request.Issues;
        var id = workOrderId.ToString(CultureInfo.InvariantCulture);
        var office = options.CurrentValue.OfficeUserIds;
        string[] officeAndTechnician = request.TechnicianId is { } technician ? [.. office, technician] : office;

        var created = new List<InboxNotification>
        {
            New(InboxNotificationType.StatusUpdate, $"Work order {id} status updated to: {status}", InboxPriority.StatusUpdate, workOrderId,
                new JsonObject { ["work_order_id"] = workOrderId, ["status"] = status, ["notes"] = notes }, officeAndTechnician),
        };
        if (issues is not null)
            created.Add(New(InboxNotificationType.IssueDetected, Truncate($"Issue reported for work order {id}: {issues}"), InboxPriority.IssueDetected, workOrderId,
                new JsonObject { ["work_order_id"] = workOrderId, ["issue_description"] = issues }, officeAndTechnician));
        if (request.AlertOffice == true)
            created.Add(New(InboxNotificationType.OfficeAlert, $"Office alert requested for work order {id}", InboxPriority.OfficeAlert, workOrderId,
                new JsonObject { ["work_order_id"] = workOrderId, ["status"] = status, ["notes"] = notes, ["issues"] = issues }, office));

        await SaveAndPushAsync(created, ct);
        LogWorkOrderUpdate(logger, workOrderId, created.Count, created.SelectMany(n => n.Recipients).Select(r => r.UserId).Distinct().Count());
        return new WorkOrderUpdateResponse(workOrderId, created.Select(Created).ToList());
    }

    public async Task<CreatedNotificationResponse> CreateManualAsync(ManualNotificationRequest request, CancellationToken ct)
    {
        var validator = new Validator()
            .Check(InboxUserId.IsValid(request.TechnicianId), "technicianId", UserIdRule("technicianId"))
            .Check(request.WorkOrderId is > 0, "workOrderId", "'workOrderId' is required and must be a positive id.")
            .Required(request.Message, "message", MaxMessageLength)
            .Check(InboxPriority.TryParse(request.Priority, out var label, out var priority), "priority",
                $"'priority' must be one of: {string.Join(", ", InboxPriority.Labels.Keys)}.");
        validator.ThrowIfInvalid();
        var workOrderId = request.WorkOrderId!.Value;
        using var scope = Correlation.Push("workOrderId", workOrderId);
        if (!await db.Set<Order>().AnyAsync(o => o.Id == workOrderId, ct))
            throw RequestValidationException.For("workOrderId", $"Work order {workOrderId} does not exist.");

        var notification = New(InboxNotificationType.WorkOrderUpdate, request.Message!.Trim(), priority, workOrderId,
            new JsonObject
            {
                ["work_order_id"] = workOrderId,
                ["technician_id"] = request.TechnicianId,
                ["priority"] = label,
                ["manual"] = true,
            },
            [request.TechnicianId!]);
        await SaveAndPushAsync([notification], ct);
        LogManual(logger, notification.Id, workOrderId, request.TechnicianId!);
        return Created(notification);
    }

    /// <summary>At most this many users in an alert's <c>recipientIds</c>.</summary>
    public const int MaxAlertRecipients = 200;

    /// <summary>The notification types <c>POST /api/alerts</c> raises.</summary>
    public static IReadOnlyList<string> AlertTypes { get; } = [InboxNotificationType.EquipmentAlert, InboxNotificationType.InventoryAlert];

    /// <summary>
    /// An equipment or inventory alert (seed 002), to the users named in <c>recipientIds</c> and, with
    /// <c>office: true</c>, to every office user; saved and pushed like every other notification.
    /// </summary>
    public async Task<CreatedNotificationResponse> CreateAlertAsync(AlertRequest request, CancellationToken ct)
    {
        var named = request.RecipientIds ?? [];
        var office = request.Office == true ? options.CurrentValue.OfficeUserIds : [];
        var badId = named.FirstOrDefault(id => !InboxUserId.IsValid(id));
        new Validator()
            .Check(request.Type is not null && AlertTypes.Contains(request.Type, StringComparer.Ordinal), "type", $"'type' must be one of: {string.Join(", ", AlertTypes)}.")
            .Required(request.Message, "message", MaxMessageLength)
            .Check(InboxPriority.TryParse(request.Priority, out var label, out var priority), "priority",
                $"'priority' must be one of: {string.Join(", ", InboxPriority.Labels.Keys)}.")
            .Check(request.WorkOrderId is null or > 0, "workOrderId", "'workOrderId' must be a positive id.")
            .Check(named.Count <= MaxAlertRecipients, "recipientIds", $"'recipientIds' may name at most {MaxAlertRecipients} users.")
            .Check(badId is null, "recipientIds", UserIdRule("recipientIds") + " (each)")
            .Check(named.Count > 0 || request.Office == true, "recipientIds", "Name the recipients in 'recipientIds', or set 'office': true, or both.")
            .Check(request.Office != true || named.Count > 0 || office.Length > 0, "office",
                "'office': true reaches nobody: no office users are configured (Inbox:OfficeUserIds); name the recipients in 'recipientIds'.")
            .ThrowIfInvalid();
        using var scope = request.WorkOrderId is int id ? Correlation.Push("workOrderId", id) : null;
        if (request.WorkOrderId is int workOrderId && !await db.Set<Order>().AnyAsync(o => o.Id == workOrderId, ct))
            throw RequestValidationException.For("workOrderId", $"Work order {workOrderId} does not exist.");

        var metadata = new JsonObject { ["priority"] = label, ["office"] = request.Office == true };
        if (request.WorkOrderId is int order) metadata["work_order_id"] = order;
        var notification = New(request.Type!, request.Message!.Trim(), priority, request.WorkOrderId, metadata, [.. named, .. office]);
        await SaveAndPushAsync([notification], ct);
        LogAlert(logger, notification.Id, notification.Type, notification.Recipients.Count);
        return Created(notification);
    }

    public async Task<InboxListResponse> ListAsync(string? userId, bool unreadOnly, int limit, CancellationToken ct)
    {
        new Validator()
            .Check(InboxUserId.IsValid(userId), "userId", UserIdRule("userId"))
            .Check(limit is >= 1 and <= MaxListLimit, "limit", $"'limit' must be between 1 and {MaxListLimit}.")
            .ThrowIfInvalid();

        var query = db.Set<InboxRecipient>().AsNoTracking().Where(r => r.UserId == userId);
        if (unreadOnly) query = query.Where(r => r.ReadAt == null);
        var rows = await query
            .OrderByDescending(r => r.Notification!.CreatedAt).ThenByDescending(r => r.NotificationId)
            .Take(limit)
            .Select(r => new { r.Notification, r.ReadAt })
            .ToListAsync(ct);
        var unread = await UnreadCountAsync(userId!, ct);
        return new InboxListResponse(unread, rows.Select(r => new InboxItemResponse(
            r.Notification!.Id, r.Notification.Type, r.Notification.Message, r.Notification.Priority, JsonNode.Parse(r.Notification.Metadata),
            r.Notification.CreatedAt, r.ReadAt is not null, r.ReadAt, r.Notification.WorkOrderId)).ToList());
    }

    /// <summary>Marks the user's copy read (idempotent) and, in the same transaction, tells every replica.</summary>
    public async Task<UnreadCountResponse> MarkReadAsync(Guid notificationId, string? userId, CancellationToken ct)
    {
        new Validator().Check(InboxUserId.IsValid(userId), "userId", UserIdRule("userId")).ThrowIfInvalid();

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var now = time.GetUtcNow();
        var changed = await db.Set<InboxRecipient>()
            .Where(r => r.NotificationId == notificationId && r.UserId == userId && r.ReadAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.ReadAt, now), ct);
        if (changed == 0 && !await db.Set<InboxRecipient>().AnyAsync(r => r.NotificationId == notificationId && r.UserId == userId, ct))
            throw new NotFoundException("Notification", notificationId);
        if (changed > 0)
            await InboxBackplane.PublishAsync(db, InboxBackplane.BuildPayloads(BackplaneMessage.Read, [notificationId], [userId!]), ct);
        var unread = await UnreadCountAsync(userId!, ct);
        await tx.CommitAsync(ct);
        if (changed > 0) LogRead(logger, notificationId, userId!, unread);
        return new UnreadCountResponse(unread);
    }

    public Task<int> UnreadCountAsync(string userId, CancellationToken ct) =>
        db.Set<InboxRecipient>().CountAsync(r => r.UserId == userId && r.ReadAt == null, ct);

    private InboxNotification New(string type, string message, int priority, int? workOrderId, JsonObject metadata, IEnumerable<string> recipients)
    {
        var now = time.GetUtcNow();
        var id = Guid.CreateVersion7(now);
        return new InboxNotification
        {
            Id = id,
            Type = type,
            Message = message,
            Priority = priority,
            WorkOrderId = workOrderId,
            Metadata = metadata.ToJsonString(),
            CreatedAt = now,
            Recipients = recipients.Distinct(StringComparer.Ordinal).Select(u => new InboxRecipient { NotificationId = id, UserId = u }).ToList(),
        };
    }

    /// <summary>
    /// Commits the notifications, their recipients and their push in one transaction. The notification
    /// rows go through EF Core; each one's recipients (every office user, for an office alert) in one
    /// set-based insert, since EF's row-by-row inserts were most of an alert's time at thousands of
    /// users. The rows are marked <c>pushed_at</c> and the backplane's NOTIFYs are sent in the same
    /// transaction: PostgreSQL delivers them when, and only if, it commits, so a saved notification is
    /// always pushed and a refused one never is, with no job between the API and the sockets.
    /// </summary>
    private async Task SaveAndPushAsync(IReadOnlyList<InboxNotification> notifications, CancellationToken ct)
    {
        var recipients = notifications.Select(n => n.Recipients).ToList();
        var now = time.GetUtcNow();
        var pushed = new List<Guid>();
        for (var i = 0; i < notifications.Count; i++)
        {
            notifications[i].Recipients = [];
            if (recipients[i].Count == 0) continue;
            notifications[i].PushedAt = now;
            pushed.Add(notifications[i].Id);
        }
        var users = recipients.SelectMany(r => r).Select(r => r.UserId).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var payloads = InboxBackplane.BuildPayloads(BackplaneMessage.New, pushed, users);
        try
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            db.Set<InboxNotification>().AddRange(notifications);
            await db.SaveChangesAsync(ct);
            for (var i = 0; i < notifications.Count; i++)
            {
                if (recipients[i].Count == 0) continue;
                var userIds = recipients[i].Select(r => r.UserId).ToArray();
                await db.Database.ExecuteSqlAsync(
                    $"INSERT INTO inbox_recipients (notification_id, user_id) SELECT {notifications[i].Id}, u FROM unnest({userIds}) AS u", ct);
            }
            await InboxBackplane.PublishAsync(db, payloads, ct);
            await tx.CommitAsync(ct);
        }
        finally
        {
            // The recipients were written by hand: the context must not track (and insert) them again.
            foreach (var n in notifications) db.Entry(n).State = EntityState.Detached;
            for (var i = 0; i < notifications.Count; i++) notifications[i].Recipients = recipients[i];
        }

        if (pushed.Count < notifications.Count) LogNoRecipients(logger, notifications.Count - pushed.Count);
        if (pushed.Count > 0) LogPushed(logger, pushed.Count, users.Length, payloads.Count);
    }

    private static CreatedNotificationResponse Created(InboxNotification n) =>
        new(n.Id, n.Type, n.Message, n.Priority, JsonNode.Parse(n.Metadata), n.CreatedAt, n.WorkOrderId, n.Recipients.Select(r => r.UserId).ToList());

    private static string Truncate(string message) => message.Length <= MaxMessageLength ? message : message[..(MaxMessageLength - 1)] + "…";

    private static string UserIdRule(string field) => $"'{field}' must be 1-{InboxUserId.MaxLength} characters of A-Z a-z 0-9 . _ : @ -";

    [LoggerMessage(Level = LogLevel.Information, Message = "Work order {WorkOrderId} update: {Count} notification(s) for {Recipients} recipient(s) saved")]
    private static partial void LogWorkOrderUpdate(ILogger logger, int workOrderId, int count, int recipients);

    [LoggerMessage(Level = LogLevel.Information, Message = "Manual notification {NotificationId} for work order {WorkOrderId} saved for technician {TechnicianId}")]
    private static partial void LogManual(ILogger logger, Guid notificationId, int workOrderId, string technicianId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Alert {NotificationId} ({Type}) saved for {Recipients} recipient(s)")]
    private static partial void LogAlert(ILogger logger, Guid notificationId, string type, int recipients);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} notification(s) have no recipient (is Inbox:OfficeUserIds empty?); saved, not pushed")]
    private static partial void LogNoRecipients(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pushed {Count} notification(s) for {Users} user(s) to the replicas ({Payloads} NOTIFY)")]
    private static partial void LogPushed(ILogger logger, int count, int users, int payloads);

    [LoggerMessage(Level = LogLevel.Information, Message = "Notification {NotificationId} read by {UserId}; {UnreadCount} unread left")]
    private static partial void LogRead(ILogger logger, Guid notificationId, string userId, int unreadCount);
}
