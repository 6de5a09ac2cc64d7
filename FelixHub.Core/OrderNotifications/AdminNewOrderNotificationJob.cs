using System.ComponentModel;
using FelixHub.Core.Common;
using FelixHub.Core.Orders;
using FelixHub.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FelixHub.Core.OrderNotifications;

/// <summary>
/// Every admin chat (<c>Notifications:AdminChatIds</c>) hears about a new order once: one
/// <c>admin_new_order</c> message per order and chat, deduplicated by its hash. A transient failure
/// for one chat fails the job after trying the others; the retry sends only what is missing.
/// </summary>
public sealed partial class AdminNewOrderNotificationJob(
    FelixHubDbContext db,
    RelatedNotificationSender sender,
    IOptionsMonitor<OrderNotificationsOptions> flags,
    IOptionsMonitor<NotificationsOptions> notifications,
    ILogger<AdminNewOrderNotificationJob> logger)
{
    public const string NotificationType = OrderNotificationTypes.AdminNewOrder;

    [DisplayName("Notify admins: new order #{0}")]
    public async Task ExecuteAsync(int orderId, CancellationToken cancellationToken)
    {
        using var orderScope = Correlation.Push("orderId", orderId);
        if (!flags.CurrentValue.IsAdminNewOrderEnabled)
        {
            LogFlagOff(logger, orderId);
            return;
        }
        var admins = AdminChats(notifications.CurrentValue);
        var order = await db.Orders.AsNoTracking().Include(o => o.AssignedMechanic).FirstOrDefaultAsync(o => o.Id == orderId, cancellationToken);
        if (order is null)
        {
            LogOrderMissing(logger, orderId);
            return;
        }

        var html = OrderMessages.AdminNewOrder(order, order.AssignedMechanic?.Name, notifications.CurrentValue.FrontendUrl);
        string? failedChat = null;
        foreach (var chatId in admins)
        {
            var hash = MessageHash.Compute(NotificationType, orderId, chatId);
            var outcome = await sender.SendAsync(new LoggedNotification(NotificationType, hash, chatId, orderId), html, cancellationToken);
            if (outcome == DeliveryOutcome.TransientFailure) failedChat ??= chatId;
        }
        if (failedChat is not null)
            RelatedNotificationSender.ThrowIfTransient(DeliveryOutcome.TransientFailure, orderId, failedChat, NotificationType);
    }

    public static IReadOnlyList<string> AdminChats(NotificationsOptions options) =>
        options.AdminChatIds.Where(c => !string.IsNullOrWhiteSpace(c)).Select(c => c.Trim()).Distinct(StringComparer.Ordinal).ToList();

    [LoggerMessage(Level = LogLevel.Information, Message = "Admin new-order notifications are off (ENABLE_TG_ADMIN_NOTIFS); order {OrderId} not announced")]
    private static partial void LogFlagOff(ILogger logger, int orderId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Order {OrderId} no longer exists; no new-order notification")]
    private static partial void LogOrderMissing(ILogger logger, int orderId);
}
