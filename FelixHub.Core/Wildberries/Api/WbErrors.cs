using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;

namespace FelixHub.Core.Wildberries.Api;

/// <summary>Reads WB's error answers: <c>{"errors": [..]}</c>, <c>{"errors": ".."}</c>, problem+json, the feedbacks envelope.</summary>
public static class WbErrors
{
    private const int MaxLength = 500;

    /// <summary>A short human-readable reason from an error body (never the request, so never the key).</summary>
    public static string Describe(string? body)
    {
        if (string.IsNullOrWhiteSpace(body)) return "(empty body)";
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                var parts = new List<string>();
                if (root.TryGetProperty("errors", out var errors))
                {
                    if (errors.ValueKind == JsonValueKind.Array)
                        parts.AddRange(errors.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : e.GetRawText()));
                    else if (errors.ValueKind == JsonValueKind.String)
                        parts.Add(errors.GetString()!);
                    else if (errors.ValueKind != JsonValueKind.Null)
                        parts.Add(errors.GetRawText());
                }
                foreach (var name in new[] { "title", "detail", "errorText", "message", "error" })
                {
                    if (root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(value.GetString()))
                        parts.Add(value.GetString()!);
                }
                if (parts.Count > 0) return Cut(string.Join("; ", parts.Distinct(StringComparer.Ordinal)));
            }
        }
        catch (JsonException)
        {
            // Not JSON: fall through to the raw text.
        }
        return Cut(body.Trim());
    }

    /// <summary><c>X-Ratelimit-Retry</c> (seconds), else <c>Retry-After</c> (seconds or a date); null when neither is given.</summary>
    public static TimeSpan? RetryAfter(HttpResponseHeaders? headers, DateTimeOffset now)
    {
        if (headers is null) return null;
        if (headers.TryGetValues("X-Ratelimit-Retry", out var values)
            && double.TryParse(values.FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0)
            return TimeSpan.FromSeconds(seconds);
        if (headers.RetryAfter is { } retryAfter)
        {
            if (retryAfter.Delta is { } delta) return delta;
            if (retryAfter.Date is { } date) return date > now ? date - now : TimeSpan.Zero;
        }
        return null;
    }

    private static string Cut(string text) => text.Length <= MaxLength ? text : text[..MaxLength] + "…";
}
