using System.Globalization;
using FelixHub.Core.Orders;
using FelixHub.Core.Telegram;
using FelixHub.Core.Templates;

namespace FelixHub.Core.OrderNotifications;

/// <summary>
/// The order messages, rendered from their templates (<c>Templates/&lt;language&gt;/*.liquid</c>,
/// docs/templates.md) in the recipient's language, in Telegram HTML with every value escaped. The parts
/// list is cut here so the message fits Telegram's 4,096 characters: as many parts as fit, then «… и ещё N».
/// </summary>
public static class OrderMessages
{
    /// <summary>What the assigned mechanic receives when an order's status changes (seed 000).</summary>
    public static string MechanicStatusChange(Order order, string oldStatus, string newStatus, string frontendUrl, string language = Languages.Default) =>
        WithParts("mechanic_status_change", language, order.Parts, new(Order(order))
        {
            ["old_status"] = OrderStatus.Label(oldStatus, language),
            ["new_status"] = OrderStatus.Label(newStatus, language),
            ["url"] = Url(frontendUrl, "mechanic/orders", order.Id),
        });

    /// <summary>
    /// What a mechanic's message about an order becomes once they moved it on with its button: the order
    /// as it is now, the step, and when it was taken.
    /// </summary>
    public static string MechanicStepTaken(Order order, string oldStatus, string newStatus, DateTimeOffset changedAt, string frontendUrl, string language = Languages.Default) =>
        WithParts("mechanic_step_taken", language, order.Parts, new(Order(order))
        {
            ["ready"] = newStatus == OrderStatus.Ready,
            ["old_status"] = OrderStatus.Label(oldStatus, language),
            ["new_status"] = OrderStatus.Label(newStatus, language),
            ["changed_at"] = MessageFormat.MoscowTime(changedAt, language),
            ["url"] = Url(frontendUrl, "mechanic/orders", order.Id),
        });

    /// <summary>A moment as the bot shows it: Moscow time (UTC+3, no daylight saving), e.g. «05.03.2026 14:32 МСК».</summary>
    public static string MoscowTime(DateTimeOffset at, string language = Languages.Default) => MessageFormat.MoscowTime(at, language);

    /// <summary>Where a mechanic opens an order in the front end.</summary>
    public static string MechanicOrderUrl(string frontendUrl, int orderId) => Url(frontendUrl, "mechanic/orders", orderId);

    public static string AdminNewOrder(Order order, string? mechanicName, string frontendUrl, string language = Languages.Default) =>
        WithParts("admin_new_order", language, order.Parts, new(Order(order))
        {
            ["mechanic_name"] = mechanicName,
            ["url"] = Url(frontendUrl, "orders", order.Id),
        });

    public static string MechanicAssignment(Order order, string frontendUrl, string language = Languages.Default) =>
        WithParts("mechanic_assignment", language, order.Parts, new(Order(order))
        {
            ["status"] = OrderStatus.Label(order.Status, language),
            ["url"] = Url(frontendUrl, "mechanic/orders", order.Id),
        });

    public static string CustomerReady(Order order, string language = Languages.Default) =>
        MessageTemplates.Current.Render("customer_order_ready", language, Order(order));

    public static string CustomerStatus(Order order, string oldStatus, string newStatus, string language = Languages.Default) =>
        MessageTemplates.Current.Render("customer_status_change", language, new Dictionary<string, object?>(Order(order))
        {
            ["old_status"] = OrderStatus.Label(oldStatus, language),
            ["new_status"] = OrderStatus.Label(newStatus, language),
        });

    /// <summary>The values every order message gets: <c>order_id</c>, <c>car_number</c>, <c>category</c>.</summary>
    private static Dictionary<string, object?> Order(Order order) => new()
    {
        ["order_id"] = order.Id,
        ["car_number"] = order.CarNumber,
        ["category"] = order.Category,
    };

    private static string Url(string frontendUrl, string path, int orderId) =>
        string.Create(CultureInfo.InvariantCulture, $"{frontendUrl.TrimEnd('/')}/{path}/{orderId}");

    /// <summary>
    /// Renders a message with the order's parts (<c>parts</c>, <c>parts_more</c>): all of them when the
    /// message fits Telegram's limit, else as many as fit with the number left out in <c>parts_more</c>.
    /// </summary>
    private static string WithParts(string template, string language, IReadOnlyList<string> parts, Dictionary<string, object?> model)
    {
        string Render(int shown)
        {
            model["parts"] = parts.Take(shown).ToList();
            model["parts_more"] = parts.Count - shown;
            return MessageTemplates.Current.Render(template, language, model);
        }

        var all = Render(parts.Count);
        if (all.Length <= TelegramHtml.MaxMessageLength) return all;
        // The most parts that fit (a message with fewer parts is never longer).
        int low = 0, high = parts.Count - 1;
        while (low < high)
        {
            var mid = (low + high + 1) / 2;
            if (Render(mid).Length <= TelegramHtml.MaxMessageLength) low = mid;
            else high = mid - 1;
        }
        return Render(low);
    }
}
