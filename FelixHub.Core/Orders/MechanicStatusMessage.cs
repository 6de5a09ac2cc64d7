using System.Globalization;
using System.Text;
using FelixHub.Core.Telegram;

namespace FelixHub.Core.Orders;

/// <summary>The text a mechanic receives when an order's status changes (seed 000), in Telegram HTML.</summary>
public static class MechanicStatusMessage
{
    public static string Format(Order order, string oldStatus, string newStatus, string frontendUrl)
    {
        var link = OrderLink(frontendUrl, order.Id);
        var head = new StringBuilder()
            .Append("🆕 Статус заказа изменён\n\n")
            .Append(CultureInfo.InvariantCulture, $"📋 Заказ #{order.Id}\n")
            .Append("🚗 Номер авто: ").Append(TelegramHtml.Escape(order.CarNumber)).Append('\n')
            .Append("📂 Категория: ").Append(TelegramHtml.Escape(order.Category)).Append("\n\n")
            .Append("Было: ").Append(TelegramHtml.Escape(oldStatus)).Append('\n')
            .Append("Стало: ").Append(TelegramHtml.Escape(newStatus)).Append("\n\n")
            .ToString();
        var tail = $"\n🔗 <a href=\"{TelegramHtml.Escape(link)}\">Открыть заказ</a>";

        if (order.Parts.Count == 0)
            return head + "Запчасти: не указаны\n" + tail;

        // Keep within Telegram's limit: list as many parts as fit and say how many are left out.
        var parts = new StringBuilder("Запчасти:\n");
        for (var i = 0; i < order.Parts.Count; i++)
        {
            var line = "  • " + TelegramHtml.Escape(order.Parts[i]) + "\n";
            var rest = order.Parts.Count - i - 1;
            var reserve = rest > 0 ? 32 : 0;
            if (head.Length + parts.Length + line.Length + tail.Length + reserve > TelegramHtml.MaxMessageLength)
            {
                parts.Append(CultureInfo.InvariantCulture, $"  … и ещё {order.Parts.Count - i}\n");
                break;
            }
            parts.Append(line);
        }
        return head + parts + tail;
    }

    public static string OrderLink(string frontendUrl, int orderId) =>
        string.Create(CultureInfo.InvariantCulture, $"{frontendUrl.TrimEnd('/')}/mechanic/orders/{orderId}");
}
