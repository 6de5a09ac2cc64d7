namespace FelixHub.Core.Bookings.Messages;

/// <summary>What a reminder message says: the resource and the booking's times, shown in <paramref name="TimeZone"/>.</summary>
public sealed record BookingMessageData(string ResourceName, DateTimeOffset StartTime, DateTimeOffset EndTime, TimeZoneInfo TimeZone)
{
    public string LocalStart => Format(StartTime);
    public string LocalEnd => Format(EndTime);

    /// <summary>E.g. <c>02.03.2026 12:00 (UTC+03:00)</c>; in English <c>2 Mar 2026, 12:00 (UTC+03:00)</c>.</summary>
    public string Format(DateTimeOffset instant, string language = Templates.Languages.Default) =>
        Templates.MessageFormat.LocalTime(TimeZoneInfo.ConvertTime(instant, TimeZone), language);
}
