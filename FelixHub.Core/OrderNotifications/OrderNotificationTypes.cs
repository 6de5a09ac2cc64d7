namespace FelixHub.Core.OrderNotifications;

/// <summary>The kinds of order messages, as <c>notification_logs.notification_type</c> and the ledger name them.</summary>
public static class OrderNotificationTypes
{
    public const string MechanicStatusChange = "mechanic_status_change";
    public const string AdminNewOrder = "admin_new_order";
    public const string MechanicAssignment = "mechanic_assignment";
    public const string CustomerOrderReady = "customer_order_ready";
    public const string CustomerStatusChange = "customer_status_change";
}
