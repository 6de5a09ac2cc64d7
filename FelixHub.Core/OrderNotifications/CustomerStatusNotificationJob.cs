using System.ComponentModel;
using FelixHub.Core.Common;
using FelixHub.Core.Orders;
using FelixHub.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FelixHub.Core.OrderNotifications;

/// <summary>
/// Tells the customer (the order's <c>customer_telegram_id</c>) about one status change: «готов» gets
/// the ready message (<c>customer_order_ready</c>) when that flag is on, any change gets the status
/// message (<c>customer_status_change</c>) when its flag is on — one message per change, sent once.
/// </summary>
public sealed partial class CustomerStatusNotificationJob(
    FelixHubDbContext db,
    RelatedNotificationSender sender,
    IOptionsMonitor<OrderNotificationsOptions> flags,
    ILogger<CustomerStatusNotificationJob> logger)
{
    public const string ReadyType = OrderNotificationTypes.CustomerOrderReady;
    public const string StatusType = OrderNotificationTypes.CustomerStatusChange;

    [DisplayName("Notify customer: order #{0}, status change {1}")]
    public async Task ExecuteAsync(int orderId, long statusChangeId, CancellationToken cancellationToken)
    {
        using var orderScope = Correlation.Push("orderId", orderId);
        var change = await db.OrderStatusChanges.AsNoTracking().Include(c => c.Order)
            .FirstOrDefaultAsync(c => c.Id == statusChangeId && c.OrderId == orderId, cancellationToken);
        if (change?.Order is not { } order)
        {
            LogChangeMissing(logger, orderId, statusChangeId);
            return;
        }
        var type = flags.CurrentValue.CustomerNotificationTypeFor(change.NewStatus);
        if (type is null)
        {
            LogFlagOff(logger, orderId, change.NewStatus);
            return;
        }
        if (string.IsNullOrWhiteSpace(order.CustomerTelegramId))
        {
            LogNoCustomer(logger, orderId);
            return;
        }

        var chatId = order.CustomerTelegramId;
        var html = type == ReadyType ? OrderMessages.CustomerReady(order) : OrderMessages.CustomerStatus(order, change.OldStatus, change.NewStatus);
        var hash = MessageHash.Compute(type, statusChangeId, chatId);
        var outcome = await sender.SendAsync(new LoggedNotification(type, hash, chatId, orderId), html, cancellationToken);
        RelatedNotificationSender.ThrowIfTransient(outcome, orderId, chatId, type);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Status change {StatusChangeId} of order {OrderId} no longer exists; customer not notified")]
    private static partial void LogChangeMissing(ILogger logger, int orderId, long statusChangeId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Customer notifications for «{Status}» are off; order {OrderId} customer not notified")]
    private static partial void LogFlagOff(ILogger logger, int orderId, string status);

    [LoggerMessage(Level = LogLevel.Information, Message = "Order {OrderId} has no customer Telegram id; customer not notified")]
    private static partial void LogNoCustomer(ILogger logger, int orderId);
}
