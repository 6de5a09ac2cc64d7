using System.Globalization;
using System.Text;
using FelixHub.Core.Orders;
using FelixHub.Core.Telegram;

namespace FelixHub.Core.OrderNotifications;

/// <summary>The order messages' texts, in Telegram HTML with every user value escaped.</summary>
public static class OrderMessages
{
    /// <summary>What the assigned mechanic receives when an order's status changes (seed 000).</summary>
    public static string MechanicStatusChange(Order order, string oldStatus, string newStatus, string frontendUrl)
    {
        var head = new StringBuilder()
            .Append("🆕 Статус заказа изменён\n\n")
            .Append(CultureInfo.InvariantCulture, $"📋 Заказ #{order.Id}\n")
            .Append("🚗 Номер авто: ").Append(TelegramHtml.Escape(order.CarNumber)).Append('\n')
            .Append("📂 Категория: ").Append(TelegramHtml.Escape(order.Category)).Append("\n\n")
            .Append("Было: ").Append(TelegramHtml.Escape(oldStatus)).Append('\n')
            .Append("Стало: ").Append(TelegramHtml.Escape(newStatus)).Append("\n\n")
            .ToString();
        return WithParts(head, order.Parts, Link(frontendUrl, "mechanic/orders", order.Id));
    }

    /// <summary>
    /// What a mechanic's message about an order becomes once they moved it on with its button: the order
    /// as it is now, the step, and when it was taken.
    /// </summary>
    public static string MechanicStepTaken(Order order, string oldStatus, string newStatus, DateTimeOffset changedAt, string frontendUrl)
    {
        var head = new StringBuilder()
            .Append(newStatus == OrderStatus.Ready ? "✅" : "🔧").Append(CultureInfo.InvariantCulture, $" Заказ #{order.Id}: ")
            .Append(TelegramHtml.Escape(newStatus)).Append("\n\n")
            .Append("🚗 Номер авто: ").Append(TelegramHtml.Escape(order.CarNumber)).Append('\n')
            .Append("📂 Категория: ").Append(TelegramHtml.Escape(order.Category)).Append("\n\n")
            .Append("Было: ").Append(TelegramHtml.Escape(oldStatus)).Append('\n')
            .Append("Стало: ").Append(TelegramHtml.Escape(newStatus)).Append('\n')
            .Append("🕒 Изменён: ").Append(MoscowTime(changedAt)).Append(" (кнопкой в Telegram)\n\n")
            .ToString();
        return WithParts(head, order.Parts, Link(frontendUrl, "mechanic/orders", order.Id));
    }

    /// <summary>A moment as the bot shows it: Moscow time (UTC+3, no daylight saving), e.g. «05.03.2026 14:32 МСК».</summary>
    public static string MoscowTime(DateTimeOffset at) =>
        at.ToOffset(TimeSpan.FromHours(3)).ToString("dd.MM.yyyy HH:mm", CultureInfo.InvariantCulture) + " МСК";

    /// <summary>Where a mechanic opens an order in the front end.</summary>
    public static string MechanicOrderUrl(string frontendUrl, int orderId) => Url(frontendUrl, "mechanic/orders", orderId);

    public static string AdminNewOrder(Order order, string? mechanicName, string frontendUrl)
    {
        var head = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"🆕 Новый заказ #{order.Id}\n\n")
            .Append("🚗 Номер авто: ").Append(TelegramHtml.Escape(order.CarNumber)).Append('\n')
            .Append("📂 Категория: ").Append(TelegramHtml.Escape(order.Category)).Append('\n')
            .Append("👨‍🔧 Механик: ").Append(mechanicName is null ? "не назначен" : TelegramHtml.Escape(mechanicName)).Append("\n\n")
            .ToString();
        return WithParts(head, order.Parts, Link(frontendUrl, "orders", order.Id));
    }

    public static string MechanicAssignment(Order order, string frontendUrl)
    {
        var head = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"🔧 Вам назначен заказ #{order.Id}\n\n")
            .Append("🚗 Номер авто: ").Append(TelegramHtml.Escape(order.CarNumber)).Append('\n')
            .Append("📂 Категория: ").Append(TelegramHtml.Escape(order.Category)).Append('\n')
            .Append("📌 Статус: ").Append(TelegramHtml.Escape(order.Status)).Append("\n\n")
            .ToString();
        return WithParts(head, order.Parts, Link(frontendUrl, "mechanic/orders", order.Id));
    }

    public static string CustomerReady(Order order) =>
        new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"✅ Ваш заказ #{order.Id} готов!\n\n")
            .Append("🚗 Номер авто: ").Append(TelegramHtml.Escape(order.CarNumber)).Append('\n')
            .Append("📂 Категория: ").Append(TelegramHtml.Escape(order.Category)).Append("\n\n")
            .Append("Автомобиль можно забирать.")
            .ToString();

    public static string CustomerStatus(Order order, string oldStatus, string newStatus) =>
        new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"ℹ️ Статус вашего заказа #{order.Id} изменён\n\n")
            .Append("🚗 Номер авто: ").Append(TelegramHtml.Escape(order.CarNumber)).Append("\n\n")
            .Append("Было: ").Append(TelegramHtml.Escape(oldStatus)).Append('\n')
            .Append("Стало: ").Append(TelegramHtml.Escape(newStatus))
            .ToString();

    private static string Link(string frontendUrl, string path, int orderId) =>
        $"\n🔗 <a href=\"{TelegramHtml.Escape(Url(frontendUrl, path, orderId))}\">Открыть заказ</a>";

    private static string Url(string frontendUrl, string path, int orderId) =>
        string.Create(CultureInfo.InvariantCulture, $"{frontendUrl.TrimEnd('/')}/{path}/{orderId}");

    /// <summary>The parts as a list, cut to Telegram's limit: as many as fit, then «… и ещё N».</summary>
    private static string WithParts(string head, IReadOnlyList<string> parts, string tail)
    {
        if (parts.Count == 0) return head + "Запчасти: не указаны\n" + tail;
        var list = new StringBuilder("Запчасти:\n");
        for (var i = 0; i < parts.Count; i++)
        {
            var line = "  • " + TelegramHtml.Escape(parts[i]) + "\n";
            var reserve = i < parts.Count - 1 ? 32 : 0;
            if (head.Length + list.Length + line.Length + tail.Length + reserve > TelegramHtml.MaxMessageLength)
            {
                list.Append(CultureInfo.InvariantCulture, $"  … и ещё {parts.Count - i}\n");
                break;
            }
            list.Append(line);
        }
        return head + list + tail;
    }
}
