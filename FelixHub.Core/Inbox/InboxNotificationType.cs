namespace FelixHub.Core.Inbox;

/// <summary>Seed 002's <c>NotificationType</c> values, as stored and as sent.</summary>
public static class InboxNotificationType
{
    public const string IssueDetected = "issue_detected";
    public const string OfficeAlert = "office_alert";
    public const string StatusUpdate = "status_update";
    public const string EquipmentAlert = "equipment_alert";
    public const string InventoryAlert = "inventory_alert";
    public const string WorkOrderUpdate = "work_order_update";

    public static IReadOnlyList<string> All { get; } =
        [IssueDetected, OfficeAlert, StatusUpdate, EquipmentAlert, InventoryAlert, WorkOrderUpdate];
}
