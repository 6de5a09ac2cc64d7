namespace FelixHub.Core.OrderNotifications;

/// <summary>The <c>notification_logs.notification_type</c> of each related notification.</summary>
public static class OrderNotificationTypes
{
    public const string AdminNewOrder = "admin_new_order";
    public const string MechanicAssignment = "mechanic_assignment";
    public const string CustomerOrderReady = "customer_order_ready";
    public const string CustomerStatusChange = "customer_status_change";
}
