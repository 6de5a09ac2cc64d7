using FelixHub.Core.Common;
using FelixHub.Core.Orders;
using Microsoft.Extensions.Logging;

namespace FelixHub.Core.OrderNotifications;

/// <summary>
/// One related notification through <see cref="NotificationLogDelivery"/> (send once, a
/// <c>notification_logs</c> row per attempt), with the outcome logged the same way for every kind.
/// A transient failure throws, so Hangfire retries the job and finally moves it to Failed.
/// </summary>
public sealed partial class RelatedNotificationSender(NotificationLogDelivery delivery, ILogger<RelatedNotificationSender> logger)
{
    public async Task<DeliveryOutcome> SendAsync(LoggedNotification notification, string html, CancellationToken cancellationToken)
    {
        using var chatScope = Correlation.Push("chatId", notification.ChatId);
        var result = await delivery.SendOnceAsync(notification, html, cancellationToken);
        switch (result.Outcome)
        {
            case DeliveryOutcome.Sent:
                LogSent(logger, notification.Type, notification.OrderId, notification.ChatId, result.MessageId);
                break;
            case DeliveryOutcome.AlreadySent:
                LogAlreadySent(logger, notification.Type, notification.OrderId, notification.ChatId);
                break;
            case DeliveryOutcome.NotConfigured:
                LogNoToken(logger, notification.Type, notification.OrderId);
                break;
            case DeliveryOutcome.PermanentFailure:
                LogPermanent(logger, notification.Type, notification.OrderId, notification.ChatId, result.Error);
                break;
            default:
                LogTransient(logger, notification.Type, notification.OrderId, notification.ChatId, result.Error);
                break;
        }
        return result.Outcome;
    }

    /// <summary>Records an attempt that could not be made (e.g. the mechanic has no chat) as a failed row.</summary>
    public Task RecordSkippedAsync(LoggedNotification notification, string reason, CancellationToken cancellationToken) =>
        delivery.RecordSkippedAsync(notification, reason, cancellationToken);

    public static void ThrowIfTransient(DeliveryOutcome outcome, int orderId, string chatId, string type)
    {
        if (outcome == DeliveryOutcome.TransientFailure)
            throw new NotificationDeliveryException($"Telegram send of {type} for order {orderId} failed transiently", chatId);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Notification {NotificationType} for order {OrderId} sent to chat {ChatId} (message {MessageId})")]
    private static partial void LogSent(ILogger logger, string notificationType, int? orderId, string chatId, int? messageId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Notification {NotificationType} for order {OrderId} to chat {ChatId} was already sent; not sending again")]
    private static partial void LogAlreadySent(ILogger logger, string notificationType, int? orderId, string chatId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Telegram bot token missing; notification {NotificationType} for order {OrderId} skipped")]
    private static partial void LogNoToken(ILogger logger, string notificationType, int? orderId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Notification {NotificationType} for order {OrderId} to chat {ChatId} refused by Telegram: {Error}")]
    private static partial void LogPermanent(ILogger logger, string notificationType, int? orderId, string chatId, string? error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Notification {NotificationType} for order {OrderId} to chat {ChatId} failed transiently: {Error}; the job will retry")]
    private static partial void LogTransient(ILogger logger, string notificationType, int? orderId, string chatId, string? error);
}
