using System.Text;
using FelixHub.Core.Telegram;

namespace FelixHub.Core.Bookings.Messages;

/// <summary>Makes the Telegram HTML text of one reminder type (seed 001: one factory per type).</summary>
public abstract class BookingMessageFactory
{
    public abstract BookingNotificationType Type { get; }

    public abstract string Create(BookingMessageData data);

    /// <summary>The common body: the resource (escaped) and the local start and end.</summary>
    protected static string Compose(string headline, string? lead, BookingMessageData data, string? footer = null)
    {
        var text = new StringBuilder().Append(headline).Append("\n\n");
        if (lead is not null) text.Append(lead).Append("\n\n");
        text.Append("📍 Ресурс: <b>").Append(TelegramHtml.Escape(data.ResourceName)).Append("</b>\n")
            .Append("🕒 Начало: ").Append(data.LocalStart).Append('\n')
            .Append("🏁 Окончание: ").Append(data.LocalEnd);
        if (footer is not null) text.Append("\n\n").Append(footer);
        return text.ToString();
    }
}
