using System.ComponentModel;
using FelixHub.Core.Common;
using FelixHub.Core.Orders;
using FelixHub.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FelixHub.Core.OrderNotifications;

/// <summary>
/// Tells a mechanic that an order was assigned to them (at creation or by a PATCH), once per
/// assignment: the assignment id is in the hash. An assignment superseded before the job ran (the
/// order was given to someone else) is not announced.
/// </summary>
public sealed partial class MechanicAssignmentNotificationJob(
    FelixHubDbContext db,
    RelatedNotificationSender sender,
    IOptionsMonitor<OrderNotificationsOptions> flags,
    IOptionsMonitor<NotificationsOptions> notifications,
    ILogger<MechanicAssignmentNotificationJob> logger)
{
    public const string NotificationType = OrderNotificationTypes.MechanicAssignment;

    [DisplayName("Notify mechanic {1}: order #{0} assigned")]
    public async Task ExecuteAsync(int orderId, int mechanicId, Guid assignmentId, CancellationToken cancellationToken)
    {
        using var orderScope = Correlation.Push("orderId", orderId);
        if (!flags.CurrentValue.IsMechanicAssignmentEnabled)
        {
            LogFlagOff(logger, orderId);
            return;
        }
        var order = await db.Orders.AsNoTracking().Include(o => o.AssignedMechanic).FirstOrDefaultAsync(o => o.Id == orderId, cancellationToken);
        if (order?.AssignedMechanic is not { } mechanic || mechanic.Id != mechanicId)
        {
            LogSuperseded(logger, orderId, mechanicId);
            return;
        }

        var hash = MessageHash.Compute(NotificationType, assignmentId, mechanic.Id, mechanic.TelegramId);
        var notification = new LoggedNotification(NotificationType, hash, mechanic.TelegramId ?? "", orderId, mechanic.Id);
        if (string.IsNullOrWhiteSpace(mechanic.TelegramId))
        {
            LogNoTelegramId(logger, mechanic.Id, orderId);
            await sender.RecordSkippedAsync(notification, "Mechanic has no telegram_id", cancellationToken);
            return;
        }

        var outcome = await sender.SendAsync(notification, OrderMessages.MechanicAssignment(order, notifications.CurrentValue.FrontendUrl), cancellationToken);
        RelatedNotificationSender.ThrowIfTransient(outcome, orderId, mechanic.TelegramId, NotificationType);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Assignment notifications are off (ENABLE_TG_MECH_ASSIGN_NOTIFS); order {OrderId} not announced")]
    private static partial void LogFlagOff(ILogger logger, int orderId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Order {OrderId} is no longer assigned to mechanic {MechanicId}; assignment notification dropped")]
    private static partial void LogSuperseded(ILogger logger, int orderId, int mechanicId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Mechanic {MechanicId} has no telegram_id, assignment notification skipped (order {OrderId})")]
    private static partial void LogNoTelegramId(ILogger logger, int mechanicId, int orderId);
}
