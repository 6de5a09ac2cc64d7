using System.ComponentModel;
using FelixHub.Core.Common;
using FelixHub.Core.Persistence;
using FelixHub.Core.Telegram;
using Microsoft.EntityFrameworkCore;
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
    FelixHubDbContext db,
    ITelegramSender telegram,
    IOptionsMonitor<NotificationsOptions> options,
    TimeProvider time,
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
        if (string.IsNullOrWhiteSpace(mechanic.TelegramId))
        {
            LogNoTelegramId(logger, mechanic.Id, orderId);
            await RecordAsync(order, mechanic, "", hash, success: false, "Mechanic has no telegram_id", cancellationToken);
            return;
        }
        if (!telegram.IsConfigured)
        {
            LogNoToken(logger, orderId);
            return;
        }

        var chatId = mechanic.TelegramId;
        using var chatScope = Correlation.Push("chatId", chatId);
        var text = MechanicStatusMessage.Format(order, change.OldStatus, change.NewStatus, settings.FrontendUrl);

        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({MessageHash.LockKey(hash)})", cancellationToken);
        if (await db.NotificationLogs.AnyAsync(l => l.MessageHash == hash && l.Success, cancellationToken))
        {
            LogAlreadySent(logger, orderId, chatId);
            return;
        }

        var result = await telegram.SendHtmlAsync(chatId, text, cancellationToken);
        if (result.Status == TelegramSendStatus.NotConfigured)
        {
            LogNoToken(logger, orderId);
            return;
        }

        Add(order, mechanic, chatId, hash, result.IsSent, result.Error);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            await tx.CommitAsync(cancellationToken);
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            LogAlreadySent(logger, orderId, chatId);
            return;
        }

        switch (result.Status)
        {
            case TelegramSendStatus.Sent:
                LogSent(logger, orderId, chatId, result.MessageId);
                break;
            case TelegramSendStatus.PermanentFailure:
                LogPermanent(logger, orderId, chatId, result.Error);
                break;
            default:
                throw new NotificationDeliveryException($"Telegram send for order {orderId} failed: {result.Error}", chatId);
        }
    }

    private void Add(Order order, Mechanic mechanic, string chatId, string hash, bool success, string? error) =>
        db.NotificationLogs.Add(new NotificationLog
        {
            NotificationType = NotificationType,
            OrderId = order.Id,
            MechanicId = mechanic.Id,
            TelegramId = chatId,
            MessageHash = hash,
            Success = success,
            ErrorMessage = error,
            SentAt = time.GetUtcNow(),
        });

    private async Task RecordAsync(Order order, Mechanic mechanic, string chatId, string hash, bool success, string error, CancellationToken ct)
    {
        Add(order, mechanic, chatId, hash, success, error);
        await db.SaveChangesAsync(ct);
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
