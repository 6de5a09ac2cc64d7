namespace FelixHub.Core.Orders;

/// <summary>
/// What <see cref="OrderService"/> tells the related notifications (seed 000's "Related Features")
/// after a change has committed. Implementations enqueue and return at once, and never throw: a
/// notification that cannot be enqueued must not fail the order's update.
/// </summary>
public interface IOrderNotifications
{
    void OrderCreated(Order order);

    /// <summary><paramref name="assignmentId"/> names this one assignment, so a job run twice sends once.</summary>
    void MechanicAssigned(Order order, Guid assignmentId);

    void StatusChanged(Order order, OrderStatusChange change);
}

/// <summary>Used when no notifications feature is registered.</summary>
internal sealed class NoOrderNotifications : IOrderNotifications
{
    public void OrderCreated(Order order)
    {
    }

    public void MechanicAssigned(Order order, Guid assignmentId)
    {
    }

    public void StatusChanged(Order order, OrderStatusChange change)
    {
    }
}
