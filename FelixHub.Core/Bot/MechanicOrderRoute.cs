using System.Globalization;
using FelixHub.Core.Common;
using FelixHub.Core.OrderNotifications;
using FelixHub.Core.Orders;
using FelixHub.Core.Telegram;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Telegram.Bot.Types;

namespace FelixHub.Core.Bot;

/// <summary>
/// A press of a mechanic's status button («▶ В работу», «✅ Готово») under their order messages
/// (<see cref="MechanicOrderButtons"/>). Signed data only; the change itself is
/// <see cref="OrderService.TakeMechanicStepAsync"/> — the service behind <c>PATCH /api/orders/{id}</c>,
/// with its notifications — made only for the assigned mechanic, pressing in their linked private chat,
/// on an order still in the status the button expected. Every press is answered (a short notice saying
/// what happened or why nothing did) and logged with the order and the mechanic; a change also turns
/// the pressed message into the order's new state, with the buttons of that state.
/// </summary>
/// <remarks>
/// The change runs in its own scope and transaction (the one every order change uses, with the send
/// jobs it enqueues), committed before the answer; the update's own transaction commits after. A crash
/// in between delivers the press again, which then finds the order moved on and answers «уже».
/// </remarks>
internal sealed partial class MechanicOrderRoute(
    IServiceScopeFactory scopes,
    MechanicOrderButtons buttons,
    ITelegramSender telegram,
    IOptionsMonitor<NotificationsOptions> notifications,
    ILogger<MechanicOrderRoute> logger) : IBotRoute
{
    /// <summary>Longest request id recorded with a change (<c>order_status_changes.request_id</c>).</summary>
    private const int MaxRequestIdLength = 64;

    public int Order => 150;

    public async Task<BotResult?> HandleAsync(BotRequest request, CancellationToken cancellationToken)
    {
        if (request.Update.CallbackQuery is not { } press || !MechanicOrderButtons.IsOrderButton(press.Data)) return null;
        if (!buttons.TryRead(press.Data, out var button))
        {
            LogUnsigned(logger, press.From.Id, request.ChatId);
            await telegram.AnswerCallbackAsync(request.ChatId, press.Id, BotMessages.OrderButtonUnknownIn(request.Language), cancellationToken);
            return BotResult.NoReply;
        }

        using var orderScope = Correlation.Push("orderId", button.OrderId);
        using var requestScope = Correlation.RequestId is null ? Correlation.Push(Correlation.RequestIdKey, RequestIdOf(press)) : null;
        var result = await TakeStepAsync(request, press, button, cancellationToken);
        Log(button, request, press, result);

        await telegram.AnswerCallbackAsync(request.ChatId, press.Id, Answer(button, result, request.Language), cancellationToken);
        if (result is { Outcome: MechanicStepOutcome.Changed, Order: { } order, Change: { } change } && press.Message is { } message)
        {
            var html = OrderMessages.MechanicStepTaken(order, change.OldStatus, change.NewStatus, change.ChangedAt, notifications.CurrentValue.FrontendUrl, request.Language);
            var edited = await telegram.EditHtmlAsync(request.ChatId, message.MessageId, html, buttons.Keyboard(order.Id, button.MechanicId, order.Status, request.Language), cancellationToken);
            if (!edited.IsSent) LogNotEdited(logger, order.Id, request.ChatId, edited.Error);
        }
        return BotResult.NoReply;
    }

    /// <summary>Only the owner of a private chat presses there: a group, or someone else's press, is never a mechanic's linked chat.</summary>
    private async Task<MechanicStepResult> TakeStepAsync(BotRequest request, CallbackQuery press, OrderButton button, CancellationToken ct)
    {
        if (!request.IsPrivate || press.From.Id.ToString(CultureInfo.InvariantCulture) != request.ChatId)
            return new MechanicStepResult(MechanicStepOutcome.OtherChat, null);
        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<OrderService>().TakeMechanicStepAsync(
            new MechanicStep(button.OrderId, button.MechanicId, request.ChatId, button.FromStatus, button.ToStatus), ct);
    }

    private static string Answer(OrderButton button, MechanicStepResult result, string language) => result switch
    {
        { Outcome: MechanicStepOutcome.Changed } => BotMessages.StepTaken(button.OrderId, button.ToStatus, language),
        { Outcome: MechanicStepOutcome.AlreadyDone, Order: { } order } => BotMessages.StepAlreadyTaken(order.Id, order.Status, order.StatusChangedAt, language),
        { Outcome: MechanicStepOutcome.StatusMoved, Order: { } order } => BotMessages.StepStatusMoved(order.Id, order.Status, language),
        { Outcome: MechanicStepOutcome.NotAssigned } => BotMessages.StepNotAssigned(button.OrderId, language),
        { Outcome: MechanicStepOutcome.NotFound } => BotMessages.StepOrderGoneIn(language),
        _ => BotMessages.StepOtherChatIn(language), // says nothing about the order to whoever is not its mechanic
    };

    private void Log(OrderButton button, BotRequest request, CallbackQuery press, MechanicStepResult result)
    {
        var outcome = result.Outcome.ToString();
        var status = result.Order?.Status;
        if (result.Outcome is MechanicStepOutcome.OtherChat or MechanicStepOutcome.NotFound)
            LogRefusedPress(logger, button.OrderId, button.MechanicId, request.ChatId, press.From.Id, button.FromStatus, button.ToStatus, outcome);
        else
            LogPress(logger, button.OrderId, button.MechanicId, request.ChatId, press.From.Id, button.FromStatus, button.ToStatus, outcome, status);
    }

    private static string RequestIdOf(CallbackQuery press)
    {
        var id = "telegram-press-" + press.Id;
        return id.Length <= MaxRequestIdLength ? id : id[..MaxRequestIdLength];
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Order button: order {OrderId}, mechanic {MechanicId}, chat {ChatId} (user {UserId}), {FromStatus} → {ToStatus}: {Outcome} (order now {Status})")]
    private static partial void LogPress(ILogger logger, int orderId, int mechanicId, string chatId, long userId, string fromStatus, string toStatus, string outcome, string? status);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Order button: order {OrderId}, mechanic {MechanicId}, chat {ChatId} (user {UserId}), {FromStatus} → {ToStatus}: {Outcome}; answered, nothing changed")]
    private static partial void LogRefusedPress(ILogger logger, int orderId, int mechanicId, string chatId, long userId, string fromStatus, string toStatus, string outcome);

    [LoggerMessage(Level = LogLevel.Warning, Message = "An order button press from user {UserId} in chat {ChatId} carries data the bot did not sign; answered, nothing changed")]
    private static partial void LogUnsigned(ILogger logger, long userId, string chatId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The message of order {OrderId} in chat {ChatId} could not be updated after its change: {Error}")]
    private static partial void LogNotEdited(ILogger logger, int orderId, string chatId, string? error);
}
