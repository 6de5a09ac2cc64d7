using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace FelixHub.Core.Wildberries.Api;

/// <summary>
/// A WB timestamp as WB sent it (<see cref="Raw"/>, passed back verbatim as the next page's
/// <c>dateFrom</c>) and as an instant (<see cref="Utc"/>). Statistics dates carry no offset and mean
/// Moscow time (UTC+3, no daylight saving since 2014); feedbacks carry <c>+03:00</c>; both have a
/// variable number of fractional digits. <c>0001-01-01T00:00:00</c> means "none" (null).
/// </summary>
[JsonConverter(typeof(WbDateJsonConverter))]
public readonly record struct WbDate(string Raw, DateTimeOffset? Utc)
{
    public static readonly TimeSpan MoscowOffset = TimeSpan.FromHours(3);

    public bool IsNone => Utc is null;

    public static WbDate Parse(string raw)
    {
        ArgumentNullException.ThrowIfNull(raw);
        var text = raw.Trim();
        if (text.Length == 0) return new WbDate(raw, null);
        if (TryParseMoscowFast(text, out var moscow))
            return new WbDate(raw, moscow.Year <= 1 ? null : new DateTimeOffset(moscow - MoscowOffset, TimeSpan.Zero));
        if (!TryParseInstant(text, out var instant))
            throw new FormatException($"Not a WB date: '{raw}'.");
        return new WbDate(raw, instant.Year <= 1 ? null : instant.ToUniversalTime());
    }

    /// <summary>A UTC instant as WB's statistics API expects a <c>dateFrom</c>: Moscow wall-clock time without an offset.</summary>
    public static string ToMoscowText(DateTimeOffset instant) =>
        instant.ToOffset(MoscowOffset).ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);

    public static DateTimeOffset ToMoscow(DateTimeOffset instant) => instant.ToOffset(MoscowOffset);

    /// <summary>
    /// The shape statistics rows carry (a sync reads hundreds of thousands): <c>yyyy-MM-ddTHH:mm:ss</c> with
    /// an optional fraction and no offset, read without the general parser. Anything else (an offset,
    /// a space separator, an out-of-range field) is left to <see cref="TryParseInstant"/>.
    /// </summary>
    private static bool TryParseMoscowFast(string text, out DateTime moscow)
    {
        moscow = default;
        if (text.Length < 19 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' || text[16] != ':') return false;
        if (!Digits(text, 0, 4, out var year) || !Digits(text, 5, 2, out var month) || !Digits(text, 8, 2, out var day)
            || !Digits(text, 11, 2, out var hour) || !Digits(text, 14, 2, out var minute) || !Digits(text, 17, 2, out var second)) return false;
        long ticks = 0;
        if (text.Length > 19)
        {
            if (text[19] != '.' || text.Length == 20) return false;
            var scale = TimeSpan.TicksPerSecond;
            for (var i = 20; i < text.Length; i++)
            {
                var c = text[i];
                if (!char.IsAsciiDigit(c)) return false;
                // .NET keeps 7 fractional digits (100 ns); WB's precision beyond that is noise.
                if (scale >= 10) ticks += (c - '0') * (scale /= 10);
            }
        }
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) return false;
        moscow = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Unspecified).AddTicks(ticks);
        // 0001-01-01 means "none"; an instant that would fall before year 1 in UTC is also "none" for WB.
        if (moscow < DateTime.MinValue + MoscowOffset) moscow = DateTime.MinValue;
        return true;
    }

    private static bool Digits(string text, int start, int count, out int value)
    {
        value = 0;
        for (var i = start; i < start + count; i++)
        {
            var c = text[i];
            if (!char.IsAsciiDigit(c)) return false;
            value = value * 10 + (c - '0');
        }
        return true;
    }

    private static bool TryParseInstant(string text, out DateTimeOffset instant)
    {
        text = TrimFraction(text);
        if (HasOffset(text))
            return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out instant);

        if (DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
        {
            if (local.Year <= 1)
            {
                instant = DateTimeOffset.MinValue;
                return true;
            }
            instant = new DateTimeOffset(DateTime.SpecifyKind(local, DateTimeKind.Unspecified), MoscowOffset);
            return true;
        }
        instant = default;
        return false;
    }

    /// <summary>.NET reads at most 7 fractional digits; WB's precision beyond that is noise.</summary>
    private static string TrimFraction(string text)
    {
        var dot = text.IndexOf('.', StringComparison.Ordinal);
        if (dot < 0) return text;
        var end = dot + 1;
        while (end < text.Length && char.IsAsciiDigit(text[end])) end++;
        return end - dot - 1 <= 7 ? text : string.Concat(text.AsSpan(0, dot + 8), text.AsSpan(end));
    }

    private static bool HasOffset(string text)
    {
        if (text.EndsWith('Z') || text.EndsWith('z')) return true;
        var t = text.IndexOf('T', StringComparison.OrdinalIgnoreCase);
        if (t < 0) return false;
        return text.IndexOfAny(['+', '-'], t) > 0;
    }
}

internal sealed class WbDateJsonConverter : JsonConverter<WbDate>
{
    public override WbDate Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.String => WbDate.Parse(reader.GetString()!),
        JsonTokenType.Null => new WbDate("", null),
        _ => throw new JsonException($"Expected a date string, got {reader.TokenType}."),
    };

    public override void Write(Utf8JsonWriter writer, WbDate value, JsonSerializerOptions options) => writer.WriteStringValue(value.Raw);
}
