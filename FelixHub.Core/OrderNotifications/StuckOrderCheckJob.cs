using System.ComponentModel;
using System.Globalization;
using FelixHub.Core.Delivery;
using FelixHub.Core.Monitoring;
using FelixHub.Core.Orders;
using FelixHub.Core.Persistence;
using FelixHub.Core.Templates;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FelixHub.Core.OrderNotifications;

/// <summary>
/// Hourly: orders in «новый» for longer than <see cref="AlertOptions.StuckOrderHours"/> are reported to
/// every admin chat, once per order per chat per day (a dedup key that includes the date), so the
/// hourly run does not repeat itself. The alerts go through the delivery pipeline like every message.
/// </summary>
public sealed partial class StuckOrderCheckJob(
    FelixHubDbContext db,
    DeliveryOutbox outbox,
    IOptionsMonitor<NotificationsOptions> notifications,
    IOptionsMonitor<AlertOptions> alerts,
    TimeProvider time,
    Recipients.RecipientPreferencesService recipients,
    ILogger<StuckOrderCheckJob> logger)
{
    public const string RecurringJobId = "stuck-order-check";
    public const string NotificationType = "stuck_order_alert";
    public const int MaxOrdersPerRun = 200;

    [DisplayName("Stuck-order check")]
    [AutomaticRetry(Attempts = 0)]
    public async Task ExecuteAsync(CancellationToken cancellationToken)
    {
        var admins = notifications.CurrentValue.AdminChats;
        var hours = alerts.CurrentValue.StuckOrderHours;
        var now = time.GetUtcNow();
        var before = now.AddHours(-hours);
        var stuck = await db.Orders.AsNoTracking()
            .Where(o => o.Status == OrderStatus.New && o.StatusChangedAt < before)
            .OrderBy(o => o.StatusChangedAt).Take(MaxOrdersPerRun).ToListAsync(cancellationToken);

        LogFound(logger, stuck.Count, hours, admins.Count);
        if (stuck.Count == 0 || admins.Count == 0) return;

        var day = now.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var languages = await recipients.LanguagesAsync(admins, cancellationToken);
        var messages = stuck.SelectMany(order => admins.Select(chatId =>
        {
            var html = Format(order, now, notifications.CurrentValue.FrontendUrl, languages.GetValueOrDefault(chatId, Languages.Default));
            return new OutgoingMessage(NotificationType, MessageHash.Compute(NotificationType, order.Id, chatId, day), chatId, html) { OrderId = order.Id };
        })).ToList();
        IReadOnlyList<long> written;
        using (var scope = DeliveryTransaction.Begin())
        {
            written = await outbox.WriteAsync(messages, cancellationToken);
            scope.Complete();
        }
        LogDone(logger, written.Count, messages.Count - written.Count);
    }

    /// <summary>The alert to an admin, from the template <c>stuck_order_alert</c> in <paramref name="language"/>.</summary>
    public static string Format(Order order, DateTimeOffset now, string frontendUrl, string language = Languages.Default) =>
        MessageTemplates.Current.Render("stuck_order_alert", language, new Dictionary<string, object?>
        {
            ["order_id"] = order.Id,
            ["status"] = OrderStatus.Label(OrderStatus.New, language),
            ["hours"] = (int)(now - order.StatusChangedAt).TotalHours,
            ["car_number"] = order.CarNumber,
            ["category"] = order.Category,
            ["url"] = string.Create(CultureInfo.InvariantCulture, $"{frontendUrl.TrimEnd('/')}/orders/{order.Id}"),
        });

    [LoggerMessage(Level = LogLevel.Information, Message = "Stuck-order check: {Count} order(s) in «новый» for more than {Hours} h; {Admins} admin chat(s)")]
    private static partial void LogFound(ILogger logger, int count, int hours, int admins);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stuck-order check queued {Queued} alert(s); {Already} were sent earlier today")]
    private static partial void LogDone(ILogger logger, int queued, int already);
}
