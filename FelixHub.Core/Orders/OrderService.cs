using System.Data.Common;
using FelixHub.Core.Common;
using FelixHub.Core.Delivery;
using FelixHub.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace FelixHub.Core.Orders;

/// <summary>
/// Mechanics and orders as the admin panel edits them, and the status steps mechanics take from their
/// Telegram messages. A change and the messages it causes (the mechanic's status message and the
/// related notifications) commit in one transaction, so a crash between the change and its messages
/// cannot lose one.
/// </summary>
public sealed partial class OrderService(
    FelixHubDbContext db,
    DeliveryOutbox outbox,
    IOrderNotifications notifications,
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

    /// <summary>
    /// Applies a PATCH of a mechanic. <c>active: false</c> deactivates them: in the same transaction every
    /// message to them not gone out yet is cancelled (neither sent nor counted as a failure), and from
    /// then on nothing new is planned for them. Their orders and logs stay as they are.
    /// </summary>
    public async Task<MechanicResponse> UpdateMechanicAsync(int id, UpdateMechanicRequest request, CancellationToken ct)
    {
        new Validator()
            .Check(request.Name is null || !string.IsNullOrWhiteSpace(request.Name), "name", "'name' must not be empty.")
            .Optional(request.Name, "name", 200)
            .Check(string.IsNullOrEmpty(request.TelegramId) || TelegramChatId.IsValid(request.TelegramId), "telegramId", "'telegramId' must be a numeric Telegram chat id or an @username.")
            .ThrowIfInvalid();

        Mechanic mechanic;
        var cancelled = 0;
        bool deactivating, reactivating;
        using (var scope = DeliveryTransaction.Begin())
        {
            // NO KEY UPDATE: a sender logging an attempt (notification_logs' key share on the mechanic) is not
            // blocked by it, while an order change planning a message for them (FOR SHARE) waits for it.
            mechanic = await db.Mechanics.FromSql($"SELECT * FROM mechanics WHERE id = {id} FOR NO KEY UPDATE").SingleOrDefaultAsync(ct)
                ?? throw new NotFoundException("Mechanic", id);
            deactivating = request.Active == false && mechanic.Active;
            reactivating = request.Active == true && !mechanic.Active;
            if (request.Name is not null) mechanic.Name = request.Name.Trim();
            if (request.TelegramId is not null) mechanic.TelegramId = request.TelegramId.Length == 0 ? null : request.TelegramId;
            if (request.Active is bool active && active != mechanic.Active)
            {
                mechanic.Active = active;
                mechanic.DeactivatedAt = active ? null : time.GetUtcNow();
            }
            await db.SaveChangesAsync(ct);
            if (deactivating) cancelled = await outbox.CancelForMechanicAsync(id, ct);
            scope.Complete();
        }
        if (deactivating) LogDeactivated(logger, id, cancelled);
        if (reactivating) LogReactivated(logger, id);
        return MechanicResponse.From(mechanic);
    }

    public async Task<MechanicResponse> GetMechanicAsync(int id, CancellationToken ct)
    {
        var mechanic = await db.Mechanics.AsNoTracking().FirstOrDefaultAsync(m => m.Id == id, ct) ?? throw new NotFoundException("Mechanic", id);
        return MechanicResponse.From(mechanic);
    }

    /// <summary>Mechanics by id, one page at a time: all of them, or only the active (or deactivated) ones when <paramref name="active"/> is given.</summary>
    public async Task<Page<MechanicResponse>> ListMechanicsAsync(bool? active, int? limit, string? after, CancellationToken ct)
    {
        new Validator().CheckPaging(MechanicsListing, limit, after, out var afterId).ThrowIfInvalid();
        var take = limit ?? PageCursor.DefaultLimit;
        var query = db.Mechanics.AsNoTracking().Where(m => m.Id > afterId);
        if (active is bool wanted) query = query.Where(m => m.Active == wanted);
        var rows = await query.OrderBy(m => m.Id).Take(take + 1).ToListAsync(ct);
        return rows.ToPage(take, MechanicsListing, m => m.Id, MechanicResponse.From);
    }

    /// <summary>
    /// Orders by id, one page at a time: only those in <paramref name="status"/>, assigned to
    /// <paramref name="mechanicId"/>, and changed (<c>updatedAt</c>) at or after <paramref name="changedSince"/>, when given.
    /// </summary>
    public async Task<Page<OrderResponse>> ListOrdersAsync(string? status, int? mechanicId, string? changedSince, int? limit, string? after, CancellationToken ct)
    {
        DateTimeOffset since = default;
        var sinceOk = changedSince is null || Bookings.IsoTimestamp.TryParse(changedSince, "changedSince", out since, out _);
        new Validator()
            .Check(status is null || OrderStatus.IsValid(status), "status", $"Unknown status; expected one of: {string.Join(", ", OrderStatus.All)}.")
            .Check(mechanicId is null or > 0, "mechanicId", "'mechanicId' must be a positive id.")
            .Check(sinceOk, "changedSince", $"'changedSince' must be an ISO 8601 timestamp, e.g. {Bookings.IsoTimestamp.Example} (without an offset it is read as UTC).")
            .CheckPaging(OrdersListing, limit, after, out var afterId)
            .ThrowIfInvalid();

        var query = db.Orders.AsNoTracking().Where(o => o.Id > afterId);
        if (status is not null) query = query.Where(o => o.Status == status);
        if (mechanicId is not null) query = query.Where(o => o.AssignedMechanicId == mechanicId);
        if (changedSince is not null) query = query.Where(o => o.UpdatedAt >= since);
        var take = limit ?? PageCursor.DefaultLimit;
        var rows = await query.OrderBy(o => o.Id).Take(take + 1).ToListAsync(ct);
        return rows.ToPage(take, OrdersListing, o => o.Id, OrderResponse.From);
    }

    private const string MechanicsListing = "mechanics";
    private const string OrdersListing = "orders";

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
        using (var scope = DeliveryTransaction.Begin())
        {
            await EnsureAssignableAsync(request.AssignedMechanicId, ct);
            db.Orders.Add(order);
            await db.SaveChangesAsync(ct);
            using var orderScope = Correlation.Push("orderId", order.Id);
            var messages = new List<OutgoingMessage>();
            await PlanAsync(messages, () => notifications.OrderCreatedAsync(order, ct));
            if (order.AssignedMechanicId is not null) await PlanAsync(messages, () => notifications.MechanicAssignedAsync(order, Guid.NewGuid(), ct));
            await outbox.WriteAsync(messages, ct);
            scope.Complete();
        }
        LogOrderCreated(logger, order.Id);
        return OrderResponse.From(order);
    }

    public async Task<OrderResponse> GetOrderAsync(int id, CancellationToken ct)
    {
        var order = await db.Orders.AsNoTracking().FirstOrDefaultAsync(o => o.Id == id, ct) ?? throw new NotFoundException("Order", id);
        return OrderResponse.From(order);
    }

    /// <summary>
    /// Applies a PATCH. The row is locked for the transaction, so two concurrent PATCHes to the same
    /// status record one change; a PATCH to the status the order already has records none. The messages
    /// the change causes are written, and their sends enqueued, in the same transaction.
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
        Order order;
        using (var scope = DeliveryTransaction.Begin())
        {
            order = await LockOrderAsync(id, ct) ?? throw new NotFoundException("Order", id);
            var now = time.GetUtcNow();
            var reassigned = false;
            if (request.AssignedMechanicId is int mechanicId && mechanicId != order.AssignedMechanicId)
            {
                await EnsureAssignableAsync(mechanicId, ct);
                order.AssignedMechanicId = mechanicId;
                reassigned = true;
            }
            if (request.CustomerTelegramId is not null)
                order.CustomerTelegramId = request.CustomerTelegramId.Length == 0 ? null : request.CustomerTelegramId;
            if (request.Status is not null && request.Status != order.Status) change = ChangeStatus(order, request.Status, now);
            order.UpdatedAt = now;
            await SaveWithMessagesAsync(order, reassigned, change, ct);
            scope.Complete();
        }
        if (change is not null) LogStatusChanged(logger, order.Id, change.OldStatus, change.NewStatus);
        return OrderResponse.From(order);
    }

    /// <summary>
    /// A mechanic's press of a status button in Telegram: the same change as a PATCH of the status, with
    /// the same messages, made only if the chat is the linked chat of the mechanic the button was drawn
    /// for, the order is still assigned to them, and it is still in the status the button expected. The
    /// checks run under the order's row lock, so a press racing a PATCH (or another press) makes one
    /// change: whichever comes second finds the order moved on and changes nothing.
    /// </summary>
    public async Task<MechanicStepResult> TakeMechanicStepAsync(MechanicStep step, CancellationToken ct)
    {
        using var orderScope = Correlation.Push("orderId", step.OrderId);
        Order order;
        OrderStatusChange change;
        using (var scope = DeliveryTransaction.Begin())
        {
            if (await LockOrderAsync(step.OrderId, ct) is not { } locked) return new MechanicStepResult(MechanicStepOutcome.NotFound, null);
            order = locked;
            // A deactivated mechanic's buttons no longer act: their chat is not a mechanic's any more.
            var mechanicChat = await db.Mechanics.Where(m => m.Id == step.MechanicId && m.Active).Select(m => m.TelegramId).FirstOrDefaultAsync(ct);
            var refusal = mechanicChat is null || mechanicChat != step.ChatId ? MechanicStepOutcome.OtherChat
                : order.AssignedMechanicId != step.MechanicId ? MechanicStepOutcome.NotAssigned
                : order.Status == step.ToStatus ? MechanicStepOutcome.AlreadyDone
                : order.Status != step.FromStatus ? MechanicStepOutcome.StatusMoved
                : (MechanicStepOutcome?)null;
            if (refusal is { } outcome) return new MechanicStepResult(outcome, order);

            var now = time.GetUtcNow();
            change = ChangeStatus(order, step.ToStatus, now);
            order.UpdatedAt = now;
            await SaveWithMessagesAsync(order, reassigned: false, change, ct);
            scope.Complete();
        }
        LogStatusChanged(logger, order.Id, change.OldStatus, change.NewStatus);
        return new MechanicStepResult(MechanicStepOutcome.Changed, order, change);
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

    /// <summary>The order, locked for the rest of the transaction; null when there is none.</summary>
    private Task<Order?> LockOrderAsync(int id, CancellationToken ct) =>
        db.Orders.FromSql($"SELECT * FROM orders WHERE id = {id} FOR UPDATE").SingleOrDefaultAsync(ct);

    /// <summary>Records a status change of a locked order (with the request id it came with).</summary>
    private OrderStatusChange ChangeStatus(Order order, string status, DateTimeOffset now)
    {
        var change = new OrderStatusChange
        {
            OrderId = order.Id,
            OldStatus = order.Status,
            NewStatus = status,
            ChangedAt = now,
            RequestId = Correlation.RequestId,
        };
        db.OrderStatusChanges.Add(change);
        order.Status = status;
        order.StatusChangedAt = now;
        return change;
    }

    /// <summary>Saves the order's changes, then writes the messages they cause, in the caller's transaction.</summary>
    private async Task SaveWithMessagesAsync(Order order, bool reassigned, OrderStatusChange? change, CancellationToken ct)
    {
        await db.SaveChangesAsync(ct);
        var messages = new List<OutgoingMessage>();
        if (reassigned) await PlanAsync(messages, () => notifications.MechanicAssignedAsync(order, Guid.NewGuid(), ct));
        if (change is not null) await PlanAsync(messages, () => notifications.StatusChangedAsync(order, change, ct));
        await outbox.WriteAsync(messages, ct);
    }

    /// <summary>A database fault, also when EF Core wraps it (e.g. "likely due to a transient failure" around a cut connection).</summary>
    private static bool FromDatabase(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
            if (e is DbException or DbUpdateException) return true;
        return false;
    }

    /// <summary>
    /// Adds what a change causes to <paramref name="messages"/>. A fault in working out a message (not in
    /// the database, which fails the whole change) is logged and the change goes on without it: a status
    /// update never fails because a notification did.
    /// </summary>
    private async Task PlanAsync(List<OutgoingMessage> messages, Func<Task<IReadOnlyList<OutgoingMessage>>> plan)
    {
        try
        {
            messages.AddRange(await plan());
        }
        catch (Exception ex) when (ex is not OperationCanceledException && !FromDatabase(ex))
        {
            LogPlanFailed(logger, ex);
        }
    }

    private async Task EnsureMechanicExistsAsync(int? mechanicId, CancellationToken ct)
    {
        if (mechanicId is null) return;
        if (mechanicId <= 0 || !await db.Mechanics.AnyAsync(m => m.Id == mechanicId, ct))
            throw RequestValidationException.For("assignedMechanicId", $"Mechanic {mechanicId} does not exist.");
    }

    /// <summary>
    /// An order may be given to an existing, active mechanic only. Called inside the order's transaction:
    /// the mechanic's row is read FOR SHARE, so a deactivation (FOR NO KEY UPDATE) committing at the same
    /// moment either comes first and is seen here, or waits until this order is committed.
    /// </summary>
    private async Task EnsureAssignableAsync(int? mechanicId, CancellationToken ct)
    {
        if (mechanicId is null) return;
        var active = mechanicId <= 0 ? null : await db.Database
            .SqlQuery<bool?>($"SELECT active AS \"Value\" FROM mechanics WHERE id = {mechanicId} FOR SHARE")
            .FirstOrDefaultAsync(ct);
        if (active is null) throw RequestValidationException.For("assignedMechanicId", $"Mechanic {mechanicId} does not exist.");
        if (active == false) throw RequestValidationException.For("assignedMechanicId", $"Mechanic {mechanicId} is deactivated; orders cannot be assigned to them.");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Mechanic {MechanicId} deactivated; {CancelledCount} message(s) to them not yet sent were cancelled")]
    private static partial void LogDeactivated(ILogger logger, int mechanicId, int cancelledCount);

    [LoggerMessage(Level = LogLevel.Information, Message = "Mechanic {MechanicId} reactivated")]
    private static partial void LogReactivated(ILogger logger, int mechanicId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Order {OrderId} created")]
    private static partial void LogOrderCreated(ILogger logger, int orderId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Order {OrderId} status changed: {OldStatus} → {NewStatus}")]
    private static partial void LogStatusChanged(ILogger logger, int orderId, string oldStatus, string newStatus);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not work out the messages of an order change; the change stands without them")]
    private static partial void LogPlanFailed(ILogger logger, Exception ex);
}
