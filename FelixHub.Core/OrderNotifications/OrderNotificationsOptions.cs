using FelixHub.Core.Common;

namespace FelixHub.Core.OrderNotifications;

/// <summary>
/// The flags of seed 000's related notifications, in the <c>Notifications</c> section beside the
/// mechanic status flag. Raw strings like that flag: <c>true</c>/<c>1</c>/<c>yes</c> in any case enable.
/// </summary>
public sealed class OrderNotificationsOptions
{
    public const string Section = "Notifications";

    /// <summary>Admins' chats (<c>Notifications:AdminChatIds</c>) on every new order; env alias <c>ENABLE_TG_ADMIN_NOTIFS</c>.</summary>
    public string AdminNewOrderEnabled { get; set; } = "false";

    /// <summary>The mechanic an order is assigned to; env alias <c>ENABLE_TG_MECH_ASSIGN_NOTIFS</c>.</summary>
    public string MechanicAssignmentEnabled { get; set; } = "false";

    /// <summary>The customer when their order becomes «готов»; env alias <c>ENABLE_TG_CUSTOMER_READY_NOTIFS</c>.</summary>
    public string CustomerReadyEnabled { get; set; } = "false";

    /// <summary>The customer on every status change of their order; env alias <c>ENABLE_TG_CUSTOMER_STATUS_NOTIFS</c>.</summary>
    public string CustomerStatusEnabled { get; set; } = "false";

    public bool IsAdminNewOrderEnabled => FeatureFlag.IsOn(AdminNewOrderEnabled);
    public bool IsMechanicAssignmentEnabled => FeatureFlag.IsOn(MechanicAssignmentEnabled);
    public bool IsCustomerReadyEnabled => FeatureFlag.IsOn(CustomerReadyEnabled);
    public bool IsCustomerStatusEnabled => FeatureFlag.IsOn(CustomerStatusEnabled);

    /// <summary>
    /// Which customer message a change to <paramref name="newStatus"/> gets, if any: «готов» gets the
    /// ready message when that flag is on (and then no status message: one change, one message);
    /// otherwise the status message when its flag is on.
    /// </summary>
    public string? CustomerNotificationTypeFor(string newStatus) =>
        newStatus == Orders.OrderStatus.Ready && IsCustomerReadyEnabled ? CustomerStatusNotificationJob.ReadyType
        : IsCustomerStatusEnabled ? CustomerStatusNotificationJob.StatusType
        : null;
}
