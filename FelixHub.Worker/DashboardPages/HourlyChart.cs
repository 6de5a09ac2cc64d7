using System.Globalization;
using System.Net;
using System.Text;

namespace FelixHub.Worker.DashboardPages;

/// <summary>One hour of finished messages: delivered and failed.</summary>
internal sealed record HourBucket(DateTime Hour, long Sent, long Failed)
{
    public long Total => Sent + Failed;
}

/// <summary>
/// Messages per hour as a server-side SVG bar chart: delivered (green) with failed (red) stacked on
/// top, one bar per hour, times in UTC. No script and nothing fetched: the page carries the picture.
/// </summary>
internal static class HourlyChart
{
    private const int Width = 960, Height = 240, Left = 44, Right = 8, Top = 24, Bottom = 28;

    public static string Svg(IReadOnlyList<HourBucket> hours)
    {
        var plotWidth = Width - Left - Right;
        var plotHeight = Height - Top - Bottom;
        var max = NiceMax(hours.Count == 0 ? 0 : hours.Max(h => h.Total));
        var slot = (double)plotWidth / Math.Max(1, hours.Count);
        var bar = Math.Max(1, slot * 0.8);
        var svg = new StringBuilder();
        svg.Append(Invariant($"<svg class=\"hourly-chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {Width} {Height}\" width=\"100%\" role=\"img\" aria-label=\"Messages per hour: delivered and failed\" style=\"max-width: {Width}px; font-size: 11px; font-family: inherit\">"));

        // Grid: 0, half and the top.
        foreach (var fraction in new[] { 0.0, 0.5, 1.0 })
        {
            var y = Top + plotHeight - fraction * plotHeight;
            var value = (long)Math.Round(max * fraction);
            svg.Append(Invariant($"<line x1=\"{Left}\" y1=\"{y:0.#}\" x2=\"{Width - Right}\" y2=\"{y:0.#}\" stroke=\"#ddd\" stroke-width=\"1\"/>"));
            svg.Append(Invariant($"<text x=\"{Left - 6}\" y=\"{y + 4:0.#}\" text-anchor=\"end\" fill=\"#777\">{value:N0}</text>"));
        }

        var labelEvery = hours.Count <= 24 ? 3 : 24;
        for (var i = 0; i < hours.Count; i++)
        {
            var h = hours[i];
            var x = Left + i * slot + (slot - bar) / 2;
            var sentHeight = max == 0 ? 0 : plotHeight * h.Sent / (double)max;
            var failedHeight = max == 0 ? 0 : plotHeight * h.Failed / (double)max;
            var baseY = Top + plotHeight;
            var tip = WebUtility.HtmlEncode(Invariant($"{h.Hour:yyyy-MM-dd HH}:00–{h.Hour.AddHours(1):HH}:00 UTC: {h.Sent:N0} delivered, {h.Failed:N0} failed"));
            svg.Append(Invariant($"<g class=\"hour\" data-hour=\"{h.Hour:yyyy-MM-ddTHH}\" data-sent=\"{h.Sent}\" data-failed=\"{h.Failed}\"><title>{tip}</title>"));
            if (h.Sent > 0)
                svg.Append(Invariant($"<rect class=\"bar-sent\" x=\"{x:0.##}\" y=\"{baseY - sentHeight:0.##}\" width=\"{bar:0.##}\" height=\"{sentHeight:0.##}\" fill=\"#5cb85c\"/>"));
            if (h.Failed > 0)
                svg.Append(Invariant($"<rect class=\"bar-failed\" x=\"{x:0.##}\" y=\"{baseY - sentHeight - failedHeight:0.##}\" width=\"{bar:0.##}\" height=\"{failedHeight:0.##}\" fill=\"#d9534f\"/>"));
            // An invisible full-height target so the tooltip works on empty hours too.
            svg.Append(Invariant($"<rect x=\"{Left + i * slot:0.##}\" y=\"{Top}\" width=\"{slot:0.##}\" height=\"{plotHeight}\" fill=\"transparent\"/></g>"));
            if (h.Hour.Hour % labelEvery == 0)
            {
                var label = labelEvery == 24 ? h.Hour.ToString("MM-dd", CultureInfo.InvariantCulture) : h.Hour.ToString("HH:00", CultureInfo.InvariantCulture);
                svg.Append(Invariant($"<text x=\"{Left + i * slot:0.##}\" y=\"{Height - 8}\" fill=\"#777\">{label}</text>"));
            }
        }
        svg.Append(Invariant($"<line x1=\"{Left}\" y1=\"{Top + plotHeight}\" x2=\"{Width - Right}\" y2=\"{Top + plotHeight}\" stroke=\"#999\" stroke-width=\"1\"/>"));

        // Legend.
        svg.Append(Invariant($"<rect x=\"{Width - 190}\" y=\"6\" width=\"10\" height=\"10\" fill=\"#5cb85c\"/><text x=\"{Width - 176}\" y=\"15\" fill=\"#555\">delivered</text>"));
        svg.Append(Invariant($"<rect x=\"{Width - 110}\" y=\"6\" width=\"10\" height=\"10\" fill=\"#d9534f\"/><text x=\"{Width - 96}\" y=\"15\" fill=\"#555\">failed</text>"));
        svg.Append(Invariant($"<text x=\"{Left}\" y=\"15\" fill=\"#555\">messages per hour (UTC)</text>"));
        svg.Append("</svg>");
        return svg.ToString();
    }

    /// <summary>A round top for the axis: 1, 2, 5 × a power of ten, at least 4.</summary>
    internal static long NiceMax(long value)
    {
        if (value <= 4) return 4;
        var magnitude = (long)Math.Pow(10, Math.Floor(Math.Log10(value)));
        foreach (var step in new[] { 1, 2, 5, 10 })
            if (step * magnitude >= value) return step * magnitude;
        return 10 * magnitude;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
