using System.Globalization;
using System.Text.RegularExpressions;

namespace FelixHub.Worker.DashboardPages;

/// <summary>
/// Reads the pages' query-string filters. A value that cannot be used adds a sentence to
/// <c>errors</c> (shown on the page) and is ignored; nothing here throws.
/// </summary>
internal sealed partial class DashboardInput(IQueryCollection query, List<string> errors)
{
    private static readonly string[] TimeFormats =
    [
        "yyyy-MM-dd", "yyyy-MM-dd HH:mm", "yyyy-MM-ddTHH:mm", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-ddTHH:mm:ss",
        "yyyy-MM-dd HH:mmZ", "yyyy-MM-ddTHH:mmZ", "yyyy-MM-dd HH:mm:ssZ", "yyyy-MM-ddTHH:mm:ssZ",
    ];

    /// <summary>The raw value, trimmed; null when absent or empty.</summary>
    public string? Text(string name)
    {
        var value = query[name].ToString().Trim();
        return value.Length == 0 ? null : value;
    }

    public long? Id(string name, string label)
    {
        var text = Text(name);
        if (text is null) return null;
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0) return id;
        errors.Add($"{label} \"{Shorten(text)}\" is not an id (a positive whole number).");
        return null;
    }

    public int? IntId(string name, string label)
    {
        var id = Id(name, label);
        if (id is null) return null;
        if (id <= int.MaxValue) return (int)id;
        errors.Add($"{label} {id} is too large for an id.");
        return null;
    }

    /// <summary>One of <paramref name="allowed"/>, exactly.</summary>
    public string? OneOf(string name, string label, IReadOnlyCollection<string> allowed)
    {
        var text = Text(name);
        if (text is null) return null;
        if (allowed.Contains(text, StringComparer.Ordinal)) return text;
        errors.Add($"Unknown {label} \"{Shorten(text)}\": it is one of {string.Join(", ", allowed)}.");
        return null;
    }

    /// <summary>A message kind: letters, digits and underscores (kinds no one knows simply match nothing).</summary>
    public string? Kind(string name)
    {
        var text = Text(name);
        if (text is null) return null;
        if (KindPattern().IsMatch(text)) return text;
        errors.Add($"Kind \"{Shorten(text)}\" is not a message kind (letters, digits and _).");
        return null;
    }

    /// <summary>A Telegram chat id: digits, negative for groups.</summary>
    public string? Chat(string name)
    {
        var text = Text(name);
        if (text is null) return null;
        if (ChatPattern().IsMatch(text)) return text;
        errors.Add($"Chat \"{Shorten(text)}\" is not a Telegram chat id (digits, with a minus sign for groups).");
        return null;
    }

    /// <summary>
    /// A UTC time: <c>2026-12-06</c>, <c>2026-12-06 14:30</c> or <c>2026-12-06T14:30:00</c> (a trailing Z is
    /// allowed). A date alone as the end of a range means the end of that day.
    /// </summary>
    public DateTimeOffset? Time(string name, string label, bool endOfDay = false)
    {
        var text = Text(name);
        if (text is null) return null;
        if (DateTime.TryParseExact(text, TimeFormats, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            var value = new DateTimeOffset(DateTime.SpecifyKind(parsed, DateTimeKind.Utc));
            return endOfDay && text.Length == 10 ? value.AddDays(1).AddTicks(-1) : value;
        }
        errors.Add($"{label} \"{Shorten(text)}\" is not a date: write it as 2026-12-06 or 2026-12-06 14:30 (UTC).");
        return null;
    }

    /// <summary>A page size from <paramref name="allowed"/>, or the default.</summary>
    public int PageSize(string name, IReadOnlyList<int> allowed, int fallback)
    {
        var text = Text(name);
        if (text is null) return fallback;
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var size) && allowed.Contains(size)) return size;
        errors.Add($"Page size \"{Shorten(text)}\" is not one of {string.Join(", ", allowed)}.");
        return fallback;
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";

    [GeneratedRegex("^[A-Za-z0-9_]{1,50}$")]
    private static partial Regex KindPattern();

    [GeneratedRegex("^-?[0-9]{1,20}$")]
    private static partial Regex ChatPattern();
}
