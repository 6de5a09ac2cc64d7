using FelixHub.Core.Delivery;
using FelixHub.Core.Orders;
using FelixHub.Core.Persistence;
using FelixHub.Core.Recipients;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FelixHub.Core.OrderNotifications;

/// <summary>
/// Decides which messages an order's change causes, to whom, with what text — every rule of the order
/// notifications in one place (the flags of <see cref="NotificationsOptions"/>, who the recipient is,
/// what a recipient without a chat gets). Runs inside the change's transaction; the messages are then
/// written to the delivery ledger with it. A mechanic's messages (status change, assignment) carry the
/// buttons of the order's current status (<see cref="MechanicOrderButtons"/>). Each text and keyboard is in
/// its recipient's language (<c>recipient_preferences.language</c>), decided here, when it is written.
/// </summary>
public sealed partial class OrderNotificationPlanner(
    FelixHubDbContext db,
    IOptionsMonitor<NotificationsOptions> options,
    MechanicOrderButtons buttons,
    RecipientPreferencesService recipients,
    ILogger<OrderNotificationPlanner> logger) : IOrderNotifications
{
    public const string NoMechanicChat = "Mechanic has no telegram_id";

    public async Task<IReadOnlyList<OutgoingMessage>> OrderCreatedAsync(Order order, CancellationToken cancellationToken)
    {
        var o = options.CurrentValue;
        var admins = o.AdminChats;
        if (!o.IsAdminNewOrderEnabled || admins.Count == 0) return [];
        var mechanic = await LoadMechanicAsync(order, cancellationToken);
        var languages = await recipients.LanguagesAsync(admins, cancellationToken);
        return admins.Select(chat => new OutgoingMessage(OrderNotificationTypes.AdminNewOrder,
            MessageHash.Compute(OrderNotificationTypes.AdminNewOrder, order.Id, chat), chat,
            OrderMessages.AdminNewOrder(order, mechanic?.Name, o.FrontendUrl, languages.GetValueOrDefault(chat, Templates.Languages.Default))) { OrderId = order.Id }).ToList();
    }

    public async Task<IReadOnlyList<OutgoingMessage>> MechanicAssignedAsync(Order order, Guid assignmentId, CancellationToken cancellationToken)
    {
        var o = options.CurrentValue;
        if (!o.IsMechanicAssignmentEnabled || order.AssignedMechanicId is null) return [];
        var mechanic = await LoadMechanicAsync(order, cancellationToken);
        if (mechanic is null || !IsActive(mechanic, order)) return [];
        var language = await recipients.LanguageAsync(ChatOf(mechanic), cancellationToken);
        return
        [
            ToMechanic(OrderNotificationTypes.MechanicAssignment, mechanic, order,
                MessageHash.Compute(OrderNotificationTypes.MechanicAssignment, assignmentId, mechanic.Id, mechanic.TelegramId),
                OrderMessages.MechanicAssignment(order, o.FrontendUrl, language), language),
        ];
    }

    public async Task<IReadOnlyList<OutgoingMessage>> StatusChangedAsync(Order order, OrderStatusChange change, CancellationToken cancellationToken)
    {
        var o = options.CurrentValue;
        var messages = new List<OutgoingMessage>();
        if (!o.IsMechanicStatusEnabled) LogFlagOff(logger, order.Id);
        else if (order.AssignedMechanicId is null) LogNoMechanic(logger, order.Id);
        else if (await LoadMechanicAsync(order, cancellationToken) is { } mechanic && IsActive(mechanic, order))
        {
            var language = await recipients.LanguageAsync(ChatOf(mechanic), cancellationToken);
            messages.Add(ToMechanic(OrderNotificationTypes.MechanicStatusChange, mechanic, order,
                MessageHash.Compute(OrderNotificationTypes.MechanicStatusChange, change.Id, mechanic.Id, mechanic.TelegramId),
                OrderMessages.MechanicStatusChange(order, change.OldStatus, change.NewStatus, o.FrontendUrl, language), language));
        }

        if (!string.IsNullOrWhiteSpace(order.CustomerTelegramId) && o.CustomerNotificationTypeFor(change.NewStatus) is { } type)
        {
            var language = await recipients.LanguageAsync(order.CustomerTelegramId, cancellationToken);
            var text = type == OrderNotificationTypes.CustomerOrderReady
                ? OrderMessages.CustomerReady(order, language)
                : OrderMessages.CustomerStatus(order, change.OldStatus, change.NewStatus, language);
            messages.Add(new OutgoingMessage(type, MessageHash.Compute(type, change.Id, order.CustomerTelegramId), order.CustomerTelegramId, text) { OrderId = order.Id });
        }
        return messages;
    }

    /// <summary>
    /// A message to a mechanic about <paramref name="order"/>, with the buttons of its current status; one
    /// without a chat is recorded as skipped, as seed 000 logs it.
    /// </summary>
    private OutgoingMessage ToMechanic(string kind, Mechanic mechanic, Order order, string dedupKey, string text, string language)
    {
        var chatId = ChatOf(mechanic);
        return new(kind, dedupKey, chatId, text)
        {
            OrderId = order.Id,
            MechanicId = mechanic.Id,
            SkipReason = NoMechanicChat,
            ReplyMarkup = chatId is null ? null : buttons.SerializedKeyboard(order.Id, mechanic.Id, order.Status, language),
        };
    }

    private static string? ChatOf(Mechanic mechanic) => string.IsNullOrWhiteSpace(mechanic.TelegramId) ? null : mechanic.TelegramId;

    /// <summary>
    /// The order's mechanic, share-locked for the change's transaction: a deactivation running at the same
    /// time either commits first (and is seen here) or waits, then cancels what this change writes.
    /// </summary>
    private Task<Mechanic?> LoadMechanicAsync(Order order, CancellationToken cancellationToken) =>
        order.AssignedMechanicId is not int id ? Task.FromResult<Mechanic?>(null)
        : db.Mechanics.FromSql($"SELECT * FROM mechanics WHERE id = {id} FOR SHARE").AsNoTracking().FirstOrDefaultAsync(cancellationToken);

    /// <summary>A deactivated mechanic gets nothing: no message is written, so none is sent or counted as failed.</summary>
    private bool IsActive(Mechanic mechanic, Order order)
    {
        if (!mechanic.Active) LogDeactivatedMechanic(logger, order.Id, mechanic.Id);
        return mechanic.Active;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Mechanic notifications are off (ENABLE_TG_MECH_NOTIFS); order {OrderId} not notified")]
    private static partial void LogFlagOff(ILogger logger, int orderId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Order {OrderId}: mechanic {MechanicId} is deactivated; not notified")]
    private static partial void LogDeactivatedMechanic(ILogger logger, int orderId, int mechanicId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Order {OrderId} has no assigned mechanic; notification skipped")]
    private static partial void LogNoMechanic(ILogger logger, int orderId);
}
