using FelixHub.Core.Orders;
using Hangfire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FelixHub.Core.OrderNotifications;

/// <summary>
/// Enqueues the related notifications after <see cref="OrderService"/> committed, each as its own
/// fire-and-forget Hangfire job and only when its flag is on (the job checks the flag again). Never
/// throws: a notification that cannot be enqueued is logged and the order's update stands.
/// </summary>
internal sealed partial class OrderNotificationEnqueuer(
    IBackgroundJobClient jobs,
    IOptionsMonitor<OrderNotificationsOptions> flags,
    IOptionsMonitor<NotificationsOptions> notifications,
    ILogger<OrderNotificationEnqueuer> logger) : IOrderNotifications
{
    public void OrderCreated(Order order)
    {
        if (!flags.CurrentValue.IsAdminNewOrderEnabled || AdminNewOrderNotificationJob.AdminChats(notifications.CurrentValue).Count == 0) return;
        var orderId = order.Id;
        Enqueue(OrderNotificationTypes.AdminNewOrder, orderId, () => jobs.Enqueue<AdminNewOrderNotificationJob>(j => j.ExecuteAsync(orderId, CancellationToken.None)));
    }

    public void MechanicAssigned(Order order, Guid assignmentId)
    {
        if (!flags.CurrentValue.IsMechanicAssignmentEnabled || order.AssignedMechanicId is not int mechanicId) return;
        var orderId = order.Id;
        Enqueue(OrderNotificationTypes.MechanicAssignment, orderId,
            () => jobs.Enqueue<MechanicAssignmentNotificationJob>(j => j.ExecuteAsync(orderId, mechanicId, assignmentId, CancellationToken.None)));
    }

    public void StatusChanged(Order order, OrderStatusChange change)
    {
        if (string.IsNullOrWhiteSpace(order.CustomerTelegramId) || flags.CurrentValue.CustomerNotificationTypeFor(change.NewStatus) is not { } type) return;
        var orderId = order.Id;
        var changeId = change.Id;
        Enqueue(type, orderId, () => jobs.Enqueue<CustomerStatusNotificationJob>(j => j.ExecuteAsync(orderId, changeId, CancellationToken.None)));
    }

    private void Enqueue(string type, int orderId, Func<string> enqueue)
    {
        try
        {
            LogEnqueued(logger, type, orderId, enqueue());
        }
        catch (Exception ex)
        {
            LogEnqueueFailed(logger, ex, type, orderId);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Notification {NotificationType} for order {OrderId} enqueued as job {JobId}")]
    private static partial void LogEnqueued(ILogger logger, string notificationType, int orderId, string jobId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not enqueue notification {NotificationType} for order {OrderId}; the order's update stands")]
    private static partial void LogEnqueueFailed(ILogger logger, Exception ex, string notificationType, int orderId);
}
