using System.Globalization;
using System.Text.RegularExpressions;

namespace FelixHub.Core.Bookings;

/// <summary>
/// ISO 8601 timestamps as the API accepts them: a date, a time and an offset
/// (<c>2026-05-01T14:00:00+03:00</c> or <c>...Z</c>). A timestamp without an offset
/// (<c>2026-05-01T14:00:00</c>, as seed 001's own examples write them) is read as UTC.
/// </summary>
public static partial class IsoTimestamp
{
    public const string Example = "2026-05-01T14:00:00+03:00";

    /// <summary>Parses <paramref name="value"/> to UTC, or says what is wrong with it (naming <paramref name="field"/>).</summary>
    public static bool TryParse(string? value, string field, out DateTimeOffset utc, out string? error)
    {
        utc = default;
        if (string.IsNullOrWhiteSpace(value))
        {
            error = $"'{field}' is required (ISO 8601, e.g. {Example}; without an offset it is read as UTC).";
            return false;
        }
        var match = Shape().Match(value);
        if (!match.Success)
        {
            error = $"'{field}' must be an ISO 8601 timestamp, e.g. {Example} (without an offset it is read as UTC).";
            return false;
        }
        var styles = match.Groups["offset"].Success ? DateTimeStyles.None : DateTimeStyles.AssumeUniversal;
        if (!DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, styles, out var parsed))
        {
            error = $"'{field}' is not a valid date and time.";
            return false;
        }
        utc = parsed.ToUniversalTime();
        error = null;
        return true;
    }

    [GeneratedRegex(@"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,7})?)?(?<offset>Z|[+-][0-9]{2}:[0-9]{2})?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Shape();
}
