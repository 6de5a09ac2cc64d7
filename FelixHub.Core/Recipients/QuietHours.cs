using System.Globalization;

namespace FelixHub.Core.Recipients;

/// <summary>What a chat's quiet hours do with a message due inside them.</summary>
public static class QuietModes
{
    /// <summary>Held: the message waits in the ledger and goes out when the window ends.</summary>
    public const string Hold = "hold";

    /// <summary>Sent at once without sound (Telegram's <c>disable_notification</c>).</summary>
    public const string Silent = "silent";

    public static bool IsValid(string? mode) => mode is Hold or Silent;
}

/// <summary>
/// A chat's daily quiet window: from <see cref="From"/> to <see cref="To"/> in its time zone (local wall
/// time; <c>From &gt; To</c> crosses midnight, e.g. 23:00–07:00). <see cref="From"/> == <see cref="To"/> is refused.
/// </summary>
public sealed record QuietWindow(TimeOnly From, TimeOnly To, TimeZoneInfo Zone, string Mode)
{
    public const string DefaultTimeZone = "Europe/Moscow";

    /// <summary>The window as stored (<c>recipient_preferences</c>), or null when the chat has none (or an unknown zone, which the API never stores).</summary>
    public static QuietWindow? Stored(TimeOnly? from, TimeOnly? to, string? timeZone, string? mode) =>
        from is { } f && to is { } t && f != t && TryZone(timeZone ?? DefaultTimeZone, out var zone)
            ? new QuietWindow(f, t, zone, mode ?? QuietModes.Hold)
            : null;

    /// <summary>An IANA zone id this machine knows (e.g. <c>Europe/Moscow</c>).</summary>
    public static bool TryZone(string id, out TimeZoneInfo zone)
    {
        zone = TimeZoneInfo.Utc;
        if (string.IsNullOrWhiteSpace(id) || id.Length > 64) return false;
        // IANA ids only (a Windows id would be found too on a machine with ICU).
        if (!TimeZoneInfo.TryConvertIanaIdToWindowsId(id, out _) || !TimeZoneInfo.TryFindSystemTimeZoneById(id, out var found)) return false;
        zone = found;
        return true;
    }

    /// <summary>Reads <c>HH:mm</c> (two digits each, 00:00–23:59).</summary>
    public static bool TryParseTime(string? text, out TimeOnly time) =>
        TimeOnly.TryParseExact(text, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out time);

    public static string Format(TimeOnly time) => time.ToString("HH:mm", CultureInfo.InvariantCulture);

    /// <summary>
    /// When the window that <paramref name="now"/> falls into ends (UTC), or null when <paramref name="now"/>
    /// is outside it. Decided on the chat's local wall clock; the end is the next local <see cref="To"/>,
    /// turned into UTC safely across DST changes (a <see cref="To"/> inside a skipped hour is the first
    /// moment after the gap; a repeated hour ends at its first occurrence).
    /// </summary>
    public DateTimeOffset? EndIfInside(DateTimeOffset now)
    {
        var local = TimeZoneInfo.ConvertTime(now, Zone).DateTime;
        var t = TimeOnly.FromDateTime(local);
        bool inside;
        DateOnly endDate;
        var today = DateOnly.FromDateTime(local);
        if (From < To)
        {
            inside = t >= From && t < To;
            endDate = today;
        }
        else
        {
            // Crosses midnight: the evening part ends tomorrow, the morning part today.
            inside = t >= From || t < To;
            endDate = t >= From ? today.AddDays(1) : today;
        }
        if (!inside) return null;
        var end = ToUtc(endDate.ToDateTime(To), Zone);
        return end > now ? end : null;
    }

    private static DateTimeOffset ToUtc(DateTime local, TimeZoneInfo zone)
    {
        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        // A wall time the clocks skip (spring forward): the first minute after the gap.
        for (var i = 0; i < 24 * 60 && zone.IsInvalidTime(local); i++) local = local.AddMinutes(1);
        var offset = zone.IsAmbiguousTime(local) ? zone.GetAmbiguousTimeOffsets(local).Max() : zone.GetUtcOffset(local);
        return new DateTimeOffset(local, offset).ToUniversalTime();
    }
}

/// <summary>What quiet hours make of one message at send time.</summary>
public readonly record struct QuietDecision(bool Silent, DateTimeOffset? HoldUntil)
{
    public static readonly QuietDecision Normal = new(false, null);

    public bool Holds => HoldUntil is not null;

    public static QuietDecision Hold(DateTimeOffset until) => new(false, until);

    public static readonly QuietDecision SendSilently = new(true, null);
}
