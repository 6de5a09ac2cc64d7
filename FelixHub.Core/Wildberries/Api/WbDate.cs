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
        if (!TryParseInstant(text, out var instant))
            throw new FormatException($"Not a WB date: '{raw}'.");
        return new WbDate(raw, instant.Year <= 1 ? null : instant.ToUniversalTime());
    }

    /// <summary>A UTC instant as WB's statistics API expects a <c>dateFrom</c>: Moscow wall-clock time without an offset.</summary>
    public static string ToMoscowText(DateTimeOffset instant) =>
        instant.ToOffset(MoscowOffset).ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);

    public static DateTimeOffset ToMoscow(DateTimeOffset instant) => instant.ToOffset(MoscowOffset);

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
