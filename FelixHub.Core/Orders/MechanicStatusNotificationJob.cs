using System.ComponentModel;
using FelixHub.Core.Common;
using FelixHub.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FelixHub.Core.Orders;

/// <summary>
/// Sends the assigned mechanic one Telegram message about one status change (seed 000).
/// Idempotent: the send and its <c>notification_logs</c> row happen under an advisory lock on the
/// message hash, and a unique index allows one successful row per hash, so a job that Hangfire runs
/// twice sends once. Transient failures throw (Hangfire retries, then Failed = dead letter);
/// permanent ones are recorded and end the job.
/// </summary>
public sealed partial class MechanicStatusNotificationJob(
    FelixHubDbContext db,
    NotificationLogDelivery delivery,
    IOptionsMonitor<NotificationsOptions> options,
    ILogger<MechanicStatusNotificationJob> logger)
{
    public const string NotificationType = "mechanic_status_change";

    [DisplayName("Notify mechanic: order #{0}, status change {1}")]
    public async Task ExecuteAsync(int orderId, long statusChangeId, CancellationToken cancellationToken)
    {
        using var orderScope = Correlation.Push("orderId", orderId);
        var settings = options.CurrentValue;
        if (!settings.IsMechanicStatusEnabled)
        {
            LogFlagOff(logger, orderId);
            return;
        }

        var change = await db.OrderStatusChanges.AsNoTracking()
            .Include(c => c.Order!).ThenInclude(o => o.AssignedMechanic)
            .FirstOrDefaultAsync(c => c.Id == statusChangeId && c.OrderId == orderId, cancellationToken);
        if (change?.Order is not { } order)
        {
            LogChangeMissing(logger, orderId, statusChangeId);
            return;
        }
        if (order.AssignedMechanic is not { } mechanic)
        {
            LogNoMechanic(logger, orderId);
            return;
        }

        var hash = MessageHash.Compute(NotificationType, statusChangeId, mechanic.Id, mechanic.TelegramId);
        var notification = new LoggedNotification(NotificationType, hash, mechanic.TelegramId ?? "", orderId, mechanic.Id);
        if (string.IsNullOrWhiteSpace(mechanic.TelegramId))
        {
            LogNoTelegramId(logger, mechanic.Id, orderId);
            await delivery.RecordSkippedAsync(notification, "Mechanic has no telegram_id", cancellationToken);
            return;
        }

        var chatId = mechanic.TelegramId;
        using var chatScope = Correlation.Push("chatId", chatId);
        var text = MechanicStatusMessage.Format(order, change.OldStatus, change.NewStatus, settings.FrontendUrl);
        var result = await delivery.SendOnceAsync(notification, text, cancellationToken);
        switch (result.Outcome)
        {
            case DeliveryOutcome.Sent:
                LogSent(logger, orderId, chatId, result.MessageId);
                break;
            case DeliveryOutcome.AlreadySent:
                LogAlreadySent(logger, orderId, chatId);
                break;
            case DeliveryOutcome.NotConfigured:
                LogNoToken(logger, orderId);
                break;
            case DeliveryOutcome.PermanentFailure:
                LogPermanent(logger, orderId, chatId, result.Error);
                break;
            default:
                throw new NotificationDeliveryException($"Telegram send for order {orderId} failed: {result.Error}", chatId);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Mechanic notifications are off; order {OrderId} not notified")]
    private static partial void LogFlagOff(ILogger logger, int orderId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Status change {StatusChangeId} of order {OrderId} no longer exists; nothing to send")]
    private static partial void LogChangeMissing(ILogger logger, int orderId, long statusChangeId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Order {OrderId} has no assigned mechanic; notification skipped")]
    private static partial void LogNoMechanic(ILogger logger, int orderId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Mechanic {MechanicId} has no telegram_id, notification skipped (order {OrderId})")]
    private static partial void LogNoTelegramId(ILogger logger, int mechanicId, int orderId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Telegram bot token missing; notification for order {OrderId} skipped")]
    private static partial void LogNoToken(ILogger logger, int orderId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Notification for order {OrderId} to chat {ChatId} was already sent; not sending again")]
    private static partial void LogAlreadySent(ILogger logger, int orderId, string chatId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Mechanic notified about order {OrderId} in chat {ChatId} (message {MessageId})")]
    private static partial void LogSent(ILogger logger, int orderId, string chatId, int? messageId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Notification for order {OrderId} to chat {ChatId} refused by Telegram: {Error}")]
    private static partial void LogPermanent(ILogger logger, int orderId, string chatId, string? error);
}
