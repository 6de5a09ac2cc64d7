using System.ComponentModel;
using System.Globalization;
using System.Text;
using FelixHub.Core.Orders;
using FelixHub.Core.Persistence;
using FelixHub.Core.Telegram;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FelixHub.Core.Monitoring;

/// <summary>
/// Hourly: orders in «новый» for longer than <see cref="AlertOptions.StuckOrderHours"/> are reported to
/// every admin chat, once per order per chat per day (a notification log hash that includes the date),
/// so the hourly run does not repeat itself. Failed sends are simply tried again by the next run.
/// </summary>
public sealed partial class StuckOrderCheckJob(
    FelixHubDbContext db,
    NotificationLogDelivery delivery,
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
        var admins = notifications.CurrentValue.AdminChatIds.Where(c => !string.IsNullOrWhiteSpace(c)).Distinct(StringComparer.Ordinal).ToList();
        var hours = alerts.CurrentValue.StuckOrderHours;
        var now = time.GetUtcNow();
        var before = now.AddHours(-hours);
        var stuck = await db.Orders.AsNoTracking()
            .Where(o => o.Status == OrderStatus.New && o.StatusChangedAt < before)
            .OrderBy(o => o.StatusChangedAt).Take(MaxOrdersPerRun).ToListAsync(cancellationToken);

        LogFound(logger, stuck.Count, hours, admins.Count);
        if (stuck.Count == 0 || admins.Count == 0) return;

        var day = now.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        int sent = 0, failed = 0;
        foreach (var order in stuck)
        {
            var html = Format(order, now, notifications.CurrentValue.FrontendUrl);
            foreach (var chatId in admins)
            {
                var hash = MessageHash.Compute(NotificationType, order.Id, chatId, day);
                var result = await delivery.SendOnceAsync(new LoggedNotification(NotificationType, hash, chatId, order.Id), html, cancellationToken);
                if (result.Outcome == DeliveryOutcome.Sent) sent++;
                else if (result.Outcome is DeliveryOutcome.TransientFailure or DeliveryOutcome.PermanentFailure)
                {
                    failed++;
                    LogSendFailed(logger, order.Id, chatId, result.Error);
                }
            }
        }
        LogDone(logger, sent, failed);
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stuck-order alert for order {OrderId} to admin chat {ChatId} failed: {Error}; the next run tries again")]
    private static partial void LogSendFailed(ILogger logger, int orderId, string chatId, string? error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stuck-order check sent {Sent} alert(s), {Failed} failed")]
    private static partial void LogDone(ILogger logger, int sent, int failed);
}
