using System.Globalization;

namespace FelixHub.Core.Bookings.Messages;

/// <summary>What a reminder message says: the resource and the booking's times, shown in <paramref name="TimeZone"/>.</summary>
public sealed record BookingMessageData(string ResourceName, DateTimeOffset StartTime, DateTimeOffset EndTime, TimeZoneInfo TimeZone)
{
    public string LocalStart => Format(StartTime);
    public string LocalEnd => Format(EndTime);

    /// <summary>E.g. <c>02.03.2026 12:00 (UTC+03:00)</c>.</summary>
    public string Format(DateTimeOffset instant)
    {
        var local = TimeZoneInfo.ConvertTime(instant, TimeZone);
        var offset = local.Offset;
        var sign = offset < TimeSpan.Zero ? "-" : "+";
        return string.Create(CultureInfo.InvariantCulture, $"{local:dd.MM.yyyy HH:mm} (UTC{sign}{offset.Duration():hh\\:mm})");
    }
}
