using FelixHub.Core.Templates;

namespace FelixHub.Core.Bookings.Messages;

/// <summary>
/// Makes the Telegram HTML text of one reminder type (seed 001: one factory per type) from its template
/// (<c>Templates/&lt;language&gt;/booking_*.liquid</c>): the resource (escaped) and the local start and end.
/// </summary>
public abstract class BookingMessageFactory
{
    public abstract BookingNotificationType Type { get; }

    /// <summary>The template's name (docs/templates.md).</summary>
    protected abstract string TemplateName { get; }

    public string Create(BookingMessageData data, string language = Languages.Default) =>
        MessageTemplates.Current.Render(TemplateName, language, new Dictionary<string, object?>
        {
            ["resource"] = data.ResourceName,
            ["start_time"] = data.Format(data.StartTime, language),
            ["end_time"] = data.Format(data.EndTime, language),
        });
}
