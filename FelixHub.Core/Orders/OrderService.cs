using FelixHub.Core.Common;
using FelixHub.Core.Persistence;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FelixHub.Core.Orders;

/// <summary>Mechanics and orders as the admin panel edits them. A status change commits first, then enqueues the mechanic's notification.</summary>
public sealed partial class OrderService(
    FelixHubDbContext db,
    IBackgroundJobClient jobs,
    IOptionsMonitor<NotificationsOptions> notifications,
    IOrderNotifications related,
    TimeProvider time,
    ILogger<OrderService> logger)
{
    public const int MaxParts = 100;
    public const int MaxPartLength = 200;
    private const string CustomerTelegramIdMessage = "'customerTelegramId' must be a numeric Telegram chat id or an @username.";

    public async Task<MechanicResponse> CreateMechanicAsync(CreateMechanicRequest request, CancellationToken ct)
    {
        new Validator()
            .Required(request.Name, "name", 200)
            .Check(request.TelegramId is null || TelegramChatId.IsValid(request.TelegramId), "telegramId", "'telegramId' must be a numeric Telegram chat id or an @username.")
            .ThrowIfInvalid();

        var mechanic = new Mechanic { Name = request.Name!.Trim(), TelegramId = request.TelegramId, CreatedAt = time.GetUtcNow() };
        db.Mechanics.Add(mechanic);
        await db.SaveChangesAsync(ct);
        return MechanicResponse.From(mechanic);
    }

    public async Task<MechanicResponse> UpdateMechanicAsync(int id, UpdateMechanicRequest request, CancellationToken ct)
    {
        new Validator()
            .Check(request.Name is null || !string.IsNullOrWhiteSpace(request.Name), "name", "'name' must not be empty.")
            .Optional(request.Name, "name", 200)
            .Check(string.IsNullOrEmpty(request.TelegramId) || TelegramChatId.IsValid(request.TelegramId), "telegramId", "'telegramId' must be a numeric Telegram chat id or an @username.")
            .ThrowIfInvalid();

        var mechanic = await db.Mechanics.FindAsync([id], ct) ?? throw new NotFoundException("Mechanic", id);
        if (request.Name is not null) mechanic.Name = request.Name.Trim();
        if (request.TelegramId is not null) mechanic.TelegramId = request.TelegramId.Length == 0 ? null : request.TelegramId;
        await db.SaveChangesAsync(ct);
        return MechanicResponse.From(mechanic);
    }

    public async Task<OrderResponse> CreateOrderAsync(CreateOrderRequest request, CancellationToken ct)
    {
        var parts = request.Parts ?? [];
        new Validator()
            .Required(request.CarNumber, "carNumber", 20)
            .Required(request.Category, "category", 100)
            .Check(parts.Count <= MaxParts, "parts", $"At most {MaxParts} parts.")
            .Check(parts.All(p => !string.IsNullOrWhiteSpace(p) && p.Length <= MaxPartLength && Validator.IsStorableText(p)), "parts",
                $"Each part must be a non-empty string of at most {MaxPartLength} characters, without NUL (U+0000).")
            .Check(request.CustomerTelegramId is null || TelegramChatId.IsValid(request.CustomerTelegramId), "customerTelegramId", CustomerTelegramIdMessage)
            .ThrowIfInvalid();
        await EnsureMechanicExistsAsync(request.AssignedMechanicId, ct);

        var now = time.GetUtcNow();
        var order = new Order
        {
            CarNumber = request.CarNumber!.Trim(),
            Category = request.Category!.Trim(),
            Parts = parts.Select(p => p.Trim()).ToList(),
            AssignedMechanicId = request.AssignedMechanicId,
            CustomerTelegramId = request.CustomerTelegramId,
            Status = OrderStatus.New,
            CreatedAt = now,
            UpdatedAt = now,
            StatusChangedAt = now,
        };
        db.Orders.Add(order);
        await db.SaveChangesAsync(ct);
        using (Correlation.Push("orderId", order.Id))
        {
            LogOrderCreated(logger, order.Id);
            related.OrderCreated(order);
            if (order.AssignedMechanicId is not null) related.MechanicAssigned(order, Guid.NewGuid());
        }
        return OrderResponse.From(order);
    }

    public async Task<OrderResponse> GetOrderAsync(int id, CancellationToken ct)
    {
        var order = await db.Orders.AsNoTracking().FirstOrDefaultAsync(o => o.Id == id, ct) ?? throw new NotFoundException("Order", id);
        return OrderResponse.From(order);
    }

    /// <summary>
    /// Applies a PATCH. The row is locked for the transaction, so two concurrent PATCHes to the same
    /// status record one change; a PATCH to the status the order already has records none.
    /// </summary>
    public async Task<OrderResponse> UpdateOrderAsync(int id, UpdateOrderRequest request, CancellationToken ct)
    {
        using var orderScope = Correlation.Push("orderId", id);
        new Validator()
            .Check(request.Status is not null || request.AssignedMechanicId is not null || request.CustomerTelegramId is not null, "status", "Nothing to change: give 'status', 'assignedMechanicId' and/or 'customerTelegramId'.")
            .Check(request.Status is null || OrderStatus.IsValid(request.Status), "status", $"Unknown status; expected one of: {string.Join(", ", OrderStatus.All)}.")
            .Check(string.IsNullOrEmpty(request.CustomerTelegramId) || TelegramChatId.IsValid(request.CustomerTelegramId), "customerTelegramId", CustomerTelegramIdMessage)
            .ThrowIfInvalid();
        await EnsureMechanicExistsAsync(request.AssignedMechanicId, ct);

        OrderStatusChange? change = null;
        var reassigned = false;
        Order order;
        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            order = await db.Orders.FromSql($"SELECT * FROM orders WHERE id = {id} FOR UPDATE").SingleOrDefaultAsync(ct)
                ?? throw new NotFoundException("Order", id);
            var now = time.GetUtcNow();
            if (request.AssignedMechanicId is int mechanicId && mechanicId != order.AssignedMechanicId)
            {
                order.AssignedMechanicId = mechanicId;
                reassigned = true;
            }
            if (request.CustomerTelegramId is not null)
                order.CustomerTelegramId = request.CustomerTelegramId.Length == 0 ? null : request.CustomerTelegramId;
            if (request.Status is not null && request.Status != order.Status)
            {
                change = new OrderStatusChange
                {
                    OrderId = order.Id,
                    OldStatus = order.Status,
                    NewStatus = request.Status,
                    ChangedAt = now,
                    RequestId = Correlation.RequestId,
                    NotificationPending = notifications.CurrentValue.IsMechanicStatusEnabled && order.AssignedMechanicId is not null,
                };
                db.OrderStatusChanges.Add(change);
                order.Status = request.Status;
                order.StatusChangedAt = now;
            }
            order.UpdatedAt = now;
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }

        if (reassigned) related.MechanicAssigned(order, Guid.NewGuid());
        if (change is not null)
        {
            LogStatusChanged(logger, order.Id, change.OldStatus, change.NewStatus);
            if (EnqueueMechanicNotification(order, change))
                await ClearPendingAsync(change);
            related.StatusChanged(order, change);
        }
        return OrderResponse.From(order);
    }

    public async Task<IReadOnlyList<NotificationLogResponse>> ListNotificationLogsAsync(int? orderId, string? type, int limit, CancellationToken ct)
    {
        new Validator()
            .Check(limit is >= 1 and <= 1000, "limit", "'limit' must be between 1 and 1000.")
            .Check(orderId is null or > 0, "orderId", "'orderId' must be a positive id.")
            .Optional(type, "type", 50)
            .ThrowIfInvalid();

        var query = db.NotificationLogs.AsNoTracking();
        if (orderId is not null) query = query.Where(l => l.OrderId == orderId);
        if (!string.IsNullOrEmpty(type)) query = query.Where(l => l.NotificationType == type);
        return await query.OrderByDescending(l => l.SentAt).ThenByDescending(l => l.Id).Take(limit)
            .Select(l => new NotificationLogResponse(l.Id, l.NotificationType, l.OrderId, l.MechanicId, l.TelegramId, l.MessageHash, l.Success, l.ErrorMessage, l.SentAt))
            .ToListAsync(ct);
    }

    /// <summary>
    /// Never fails the status update: a notification that cannot be enqueued is logged, and stays pending
    /// in <c>order_status_changes</c> for <see cref="MechanicNotificationRecoveryJob"/>. True when enqueued.
    /// </summary>
    private bool EnqueueMechanicNotification(Order order, OrderStatusChange change)
    {
        if (!change.NotificationPending)
        {
            if (!notifications.CurrentValue.IsMechanicStatusEnabled) LogFlagOff(logger, order.Id);
            else LogNoMechanic(logger, order.Id);
            return false;
        }
        try
        {
            var jobId = jobs.Enqueue<MechanicStatusNotificationJob>(j => j.ExecuteAsync(order.Id, change.Id, CancellationToken.None));
            LogEnqueued(logger, order.Id, jobId);
            return true;
        }
        catch (Exception ex)
        {
            LogEnqueueFailed(logger, ex, order.Id, change.Id);
            return false;
        }
    }

    /// <summary>Best effort: if this fails too, the recovery job enqueues the notification again, and the delivery's dedup sends it once.</summary>
    private async Task ClearPendingAsync(OrderStatusChange change)
    {
        try
        {
            await db.OrderStatusChanges.Where(c => c.Id == change.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.NotificationPending, false), CancellationToken.None);
        }
        catch (Exception ex)
        {
            LogClearPendingFailed(logger, ex, change.OrderId, change.Id);
        }
    }

    private async Task EnsureMechanicExistsAsync(int? mechanicId, CancellationToken ct)
    {
        if (mechanicId is null) return;
        if (mechanicId <= 0 || !await db.Mechanics.AnyAsync(m => m.Id == mechanicId, ct))
            throw RequestValidationException.For("assignedMechanicId", $"Mechanic {mechanicId} does not exist.");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Order {OrderId} created")]
    private static partial void LogOrderCreated(ILogger logger, int orderId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Order {OrderId} status changed: {OldStatus} → {NewStatus}")]
    private static partial void LogStatusChanged(ILogger logger, int orderId, string oldStatus, string newStatus);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Mechanic notifications are off (ENABLE_TG_MECH_NOTIFS); order {OrderId} not notified")]
    private static partial void LogFlagOff(ILogger logger, int orderId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Order {OrderId} has no assigned mechanic; notification skipped")]
    private static partial void LogNoMechanic(ILogger logger, int orderId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Mechanic notification for order {OrderId} enqueued as job {JobId}")]
    private static partial void LogEnqueued(ILogger logger, int orderId, string jobId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not enqueue the mechanic notification for order {OrderId} (status change {StatusChangeId}); the status update stands and the recovery job will enqueue it")]
    private static partial void LogEnqueueFailed(ILogger logger, Exception ex, int orderId, long statusChangeId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not mark the notification of status change {StatusChangeId} (order {OrderId}) as enqueued; the recovery job will enqueue it again (sent once all the same)")]
    private static partial void LogClearPendingFailed(ILogger logger, Exception ex, int orderId, long statusChangeId);
}
