using System.ComponentModel;
using FelixHub.Core.Common;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace FelixHub.Core.Orders;

/// <summary>
/// Sends the assigned mechanic one Telegram message about one status change (seed 000).
/// Idempotent: the send and its <c>notification_logs</c> row happen under an advisory lock on the
/// message hash, and a unique index allows one successful row per hash, so a job that Hangfire runs
/// twice sends once. Transient failures throw (Hangfire retries, then Failed = dead letter);
/// permanent ones are recorded and end the job.
/// </summary>
public sealed partial class MechanicStatusNotificationJob(
    NpgsqlDataSource dataSource,
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

        if (await LoadAsync(orderId, statusChangeId, cancellationToken) is not var (change, order))
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

    /// <summary>The change, its order and the order's mechanic in one statement (plain Npgsql: every notification runs it).</summary>
    private async Task<(OrderStatusChange Change, Order Order)?> LoadAsync(int orderId, long statusChangeId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT c.old_status, c.new_status, o.car_number, o.category, o.parts, o.status, m.id, m.name, m.telegram_id
            FROM order_status_changes c
            JOIN orders o ON o.id = c.order_id
            LEFT JOIN mechanics m ON m.id = o.assigned_mechanic_id
            WHERE c.id = $1 AND c.order_id = $2
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = statusChangeId });
        command.Parameters.Add(new NpgsqlParameter { Value = orderId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return null;
        var order = new Order
        {
            Id = orderId,
            CarNumber = reader.GetString(2),
            Category = reader.GetString(3),
            Parts = [.. reader.GetFieldValue<string[]>(4)],
            Status = reader.GetString(5),
            AssignedMechanic = reader.IsDBNull(6) ? null : new Mechanic
            {
                Id = reader.GetInt32(6),
                Name = reader.GetString(7),
                TelegramId = reader.IsDBNull(8) ? null : reader.GetString(8),
            },
        };
        order.AssignedMechanicId = order.AssignedMechanic?.Id;
        var change = new OrderStatusChange { Id = statusChangeId, OrderId = orderId, OldStatus = reader.GetString(0), NewStatus = reader.GetString(1), Order = order };
        return (change, order);
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
