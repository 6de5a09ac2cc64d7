namespace FelixHub.Core.Inbox;

/// <summary>
/// One in-app notification (seed 002's <c>notifications</c>/<c>manual_notifications</c>, named
/// <c>inbox_notifications</c> so it does not clash with the booking reminders). Who receives it and
/// whether they have read it lives in <see cref="InboxRecipient"/>.
/// </summary>
public sealed class InboxNotification
{
    public Guid Id { get; set; }

    /// <summary>One of <see cref="InboxNotificationType.All"/>.</summary>
    public required string Type { get; set; }

    public required string Message { get; set; }

    /// <summary>Seed 002's integer priority: status update 1, issue 2, office alert 3; manual ones per <see cref="InboxPriority"/>.</summary>
    public int Priority { get; set; }

    /// <summary>The work order (a FelixHub <c>orders</c> row) it is about; null once that order is deleted.</summary>
    public int? WorkOrderId { get; set; }

    /// <summary>A JSON object (jsonb) with the seed's keys (<c>work_order_id</c>, <c>status</c>, <c>notes</c>, ...).</summary>
    public required string Metadata { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>When the push job published it to the replicas (null: not yet); makes the job idempotent.</summary>
    public DateTimeOffset? PushedAt { get; set; }

    public List<InboxRecipient> Recipients { get; set; } = [];
}
