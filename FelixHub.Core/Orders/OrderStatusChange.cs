namespace FelixHub.Core.Orders;

/// <summary>One status change of an order: the unit a mechanic is notified about, and what metrics count.</summary>
public sealed class OrderStatusChange
{
    public long Id { get; set; }
    public int OrderId { get; set; }
    public Order? Order { get; set; }
    public required string OldStatus { get; set; }
    public required string NewStatus { get; set; }
    public DateTimeOffset ChangedAt { get; set; }
    public string? RequestId { get; set; }

    /// <summary>
    /// Set in the transaction that records the change when the mechanic is to be notified, cleared once
    /// the notification job is enqueued. A change still pending after a grace period (the enqueue failed,
    /// or the process died right after the commit) is enqueued by <see cref="MechanicNotificationRecoveryJob"/>.
    /// </summary>
    public bool NotificationPending { get; set; }
}
