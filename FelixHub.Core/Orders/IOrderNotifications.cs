using FelixHub.Core.Delivery;

namespace FelixHub.Core.Orders;

/// <summary>
/// The messages an order's changes cause (seed 000's mechanic status message and its related
/// notifications). <see cref="OrderService"/> asks inside the change's transaction and hands the answer
/// to the delivery pipeline, so the change and its messages commit together.
/// </summary>
public interface IOrderNotifications
{
    Task<IReadOnlyList<OutgoingMessage>> OrderCreatedAsync(Order order, CancellationToken cancellationToken);

    /// <summary><paramref name="assignmentId"/> names this one assignment: a later reassignment back to the same mechanic is announced again.</summary>
    Task<IReadOnlyList<OutgoingMessage>> MechanicAssignedAsync(Order order, Guid assignmentId, CancellationToken cancellationToken);

    Task<IReadOnlyList<OutgoingMessage>> StatusChangedAsync(Order order, OrderStatusChange change, CancellationToken cancellationToken);
}

/// <summary>Used when no notifications feature is registered.</summary>
internal sealed class NoOrderNotifications : IOrderNotifications
{
    public Task<IReadOnlyList<OutgoingMessage>> OrderCreatedAsync(Order order, CancellationToken cancellationToken) => None;

    public Task<IReadOnlyList<OutgoingMessage>> MechanicAssignedAsync(Order order, Guid assignmentId, CancellationToken cancellationToken) => None;

    public Task<IReadOnlyList<OutgoingMessage>> StatusChangedAsync(Order order, OrderStatusChange change, CancellationToken cancellationToken) => None;

    private static Task<IReadOnlyList<OutgoingMessage>> None => Task.FromResult<IReadOnlyList<OutgoingMessage>>([]);
}
