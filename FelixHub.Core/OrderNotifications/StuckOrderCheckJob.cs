using System.ComponentModel;
using System.Globalization;
using System.Text;
using FelixHub.Core.Delivery;
using FelixHub.Core.Monitoring;
using FelixHub.Core.Orders;
using FelixHub.Core.Persistence;
using FelixHub.Core.Telegram;
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
        var messages = stuck.SelectMany(order =>
        {
            var html = Format(order, now, notifications.CurrentValue.FrontendUrl);
            return admins.Select(chatId => new OutgoingMessage(NotificationType, MessageHash.Compute(NotificationType, order.Id, chatId, day), chatId, html) { OrderId = order.Id });
        }).ToList();
        IReadOnlyList<long> written;
        using (var scope = DeliveryTransaction.Begin())
        {
            written = await outbox.WriteAsync(messages, cancellationToken);
            scope.Complete();
        }
        LogDone(logger, written.Count, messages.Count - written.Count);
    }

    public static string Format(Order order, DateTimeOffset now, string frontendUrl)
    {
        var hours = (int)(now - order.StatusChangedAt).TotalHours;
        return new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"⚠️ Заказ #{order.Id} завис в статусе «{OrderStatus.New}»: {hours} ч\n\n")
            .Append("🚗 Номер авто: ").Append(TelegramHtml.Escape(order.CarNumber)).Append('\n')
            .Append("📂 Категория: ").Append(TelegramHtml.Escape(order.Category)).Append("\n\n")
            .Append("🔗 <a href=\"").Append(TelegramHtml.Escape($"{frontendUrl.TrimEnd('/')}/orders/{order.Id}")).Append("\">Открыть заказ</a>")
            .ToString();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Stuck-order check: {Count} order(s) in «новый» for more than {Hours} h; {Admins} admin chat(s)")]
    private static partial void LogFound(ILogger logger, int count, int hours, int admins);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stuck-order check queued {Queued} alert(s); {Already} were sent earlier today")]
    private static partial void LogDone(ILogger logger, int queued, int already);
}
