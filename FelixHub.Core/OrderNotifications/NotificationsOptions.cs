using System.ComponentModel.DataAnnotations;
using FelixHub.Core.Common;
using FelixHub.Core.Orders;

namespace FelixHub.Core.OrderNotifications;

/// <summary>
/// The <c>Notifications</c> section: which order notifications go out (seed 000's mechanic status
/// message and its related notifications), to whom, and the links in them. The flags are raw strings:
/// <c>true</c>/<c>1</c>/<c>yes</c> in any case enable.
/// </summary>
public sealed class NotificationsOptions
{
    public const string Section = "Notifications";

    /// <summary>The assigned mechanic on every status change; env alias <c>ENABLE_TG_MECH_NOTIFS</c>.</summary>
    public string MechanicStatusEnabled { get; set; } = "false";

    /// <summary>Admins' chats (<see cref="AdminChatIds"/>) on every new order; env alias <c>ENABLE_TG_ADMIN_NOTIFS</c>.</summary>
    public string AdminNewOrderEnabled { get; set; } = "false";

    /// <summary>The mechanic an order is assigned to; env alias <c>ENABLE_TG_MECH_ASSIGN_NOTIFS</c>.</summary>
    public string MechanicAssignmentEnabled { get; set; } = "false";

    /// <summary>The customer when their order becomes «готов»; env alias <c>ENABLE_TG_CUSTOMER_READY_NOTIFS</c>.</summary>
    public string CustomerReadyEnabled { get; set; } = "false";

    /// <summary>The customer on every status change of their order; env alias <c>ENABLE_TG_CUSTOMER_STATUS_NOTIFS</c>.</summary>
    public string CustomerStatusEnabled { get; set; } = "false";

    /// <summary>Base of the deeplinks in messages (env alias <c>FRONTEND_URL</c>).</summary>
    [Required, Url]
    public string FrontendUrl { get; set; } = "http://localhost:3000";

    /// <summary>Telegram chats of the admins (stuck-order alerts, new orders). No initializer: the binder appends to one.</summary>
    public string[] AdminChatIds { get; set; } = [];

    public bool IsMechanicStatusEnabled => FeatureFlag.IsOn(MechanicStatusEnabled);
    public bool IsAdminNewOrderEnabled => FeatureFlag.IsOn(AdminNewOrderEnabled);
    public bool IsMechanicAssignmentEnabled => FeatureFlag.IsOn(MechanicAssignmentEnabled);
    public bool IsCustomerReadyEnabled => FeatureFlag.IsOn(CustomerReadyEnabled);
    public bool IsCustomerStatusEnabled => FeatureFlag.IsOn(CustomerStatusEnabled);

    /// <summary>The admin chats, trimmed, without blanks or repeats.</summary>
    public IReadOnlyList<string> AdminChats =>
        AdminChatIds.Where(c => !string.IsNullOrWhiteSpace(c)).Select(c => c.Trim()).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>
    /// Which customer message a change to <paramref name="newStatus"/> gets, if any: «готов» gets the
    /// ready message when that flag is on (and then no status message: one change, one message);
    /// otherwise the status message when its flag is on.
    /// </summary>
    public string? CustomerNotificationTypeFor(string newStatus) =>
        newStatus == OrderStatus.Ready && IsCustomerReadyEnabled ? OrderNotificationTypes.CustomerOrderReady
        : IsCustomerStatusEnabled ? OrderNotificationTypes.CustomerStatusChange
        : null;
}
