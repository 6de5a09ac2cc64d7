using System.Globalization;
using ScottPlot;

namespace FelixHub.Bench;

/// <summary>
/// The benchmark's charts (ScottPlot, PNG beside the scenario's JSON in bench-results/): a latency
/// distribution per scenario that measures latency, and per-second series (sends, 429s) for the
/// scenarios that run at the bot's limit. docs/performance.md shows copies of them.
/// </summary>
internal static class Charts
{
    private const int Width = 900;
    private const int Height = 420;

    /// <summary>A histogram of <paramref name="values"/> (e.g. latencies in ms) with the p50 and p99 marked.</summary>
    public static string Distribution(string name, string title, string xLabel, IReadOnlyCollection<double> values, int bins = 50)
    {
        var sorted = values.Order().ToArray();
        var plot = new Plot();
        if (sorted.Length > 0)
        {
            // The bars span up to the p99.9 so one outlier does not squeeze the rest into a single bar; the max is in the title.
            var top = Math.Max(sorted[Math.Min(sorted.Length - 1, (int)(sorted.Length * 0.999))], sorted[0] + 1e-9);
            var width = (top - Math.Min(0, sorted[0])) / bins;
            var counts = new double[bins];
            foreach (var v in sorted) counts[Math.Clamp((int)((v - Math.Min(0, sorted[0])) / width), 0, bins - 1)]++;
            var positions = Enumerable.Range(0, bins).Select(i => Math.Min(0, sorted[0]) + (i + 0.5) * width).ToArray();
            var bars = plot.Add.Bars(positions, counts);
            foreach (var bar in bars.Bars) bar.Size = width * 0.9;
            foreach (var (p, label) in new[] { (50, "p50"), (99, "p99") })
            {
                var x = sorted[Math.Clamp((int)Math.Ceiling(p / 100.0 * sorted.Length) - 1, 0, sorted.Length - 1)];
                var line = plot.Add.VerticalLine(x);
                line.LegendText = $"{label} {Format(x)}";
                line.LinePattern = LinePattern.Dashed;
            }
            plot.ShowLegend(Alignment.UpperRight);
            title += $" — {sorted.Length:N0} samples, max {Format(sorted[^1])}";
        }
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel("count");
        plot.Axes.Margins(bottom: 0);
        return Save(plot, name);
    }

    /// <summary>Events per second over time, one line per series (e.g. messages delivered, 429s answered), from the first event of any series.</summary>
    public static string PerSecond(string name, string title, params (string Label, IReadOnlyCollection<DateTimeOffset> Times)[] series)
    {
        var plot = new Plot();
        var all = series.SelectMany(s => s.Times).ToList();
        if (all.Count > 0)
        {
            var start = all.Min();
            var seconds = (int)Math.Ceiling((all.Max() - start).TotalSeconds) + 1;
            foreach (var (label, times) in series)
            {
                var counts = new double[seconds];
                foreach (var t in times) counts[(int)(t - start).TotalSeconds]++;
                var line = plot.Add.ScatterLine(Enumerable.Range(0, seconds).Select(i => (double)i).ToArray(), counts);
                line.LegendText = $"{label} ({times.Count:N0})";
            }
            plot.ShowLegend(Alignment.UpperRight);
        }
        plot.Title(title);
        plot.XLabel("seconds from the first event");
        plot.YLabel("per second");
        return Save(plot, name);
    }

    /// <summary>Values sampled over time (e.g. RSS in MB, table sizes), one line per series.</summary>
    public static string OverTime(string name, string title, string yLabel, params (string Label, IReadOnlyList<(double Seconds, double Value)> Points)[] series)
    {
        var plot = new Plot();
        foreach (var (label, points) in series.Where(s => s.Points.Count > 0))
        {
            var line = plot.Add.ScatterLine(points.Select(p => p.Seconds).ToArray(), points.Select(p => p.Value).ToArray());
            line.LegendText = label;
        }
        if (series.Length > 1) plot.ShowLegend(Alignment.UpperLeft);
        plot.Title(title);
        plot.XLabel("seconds");
        plot.YLabel(yLabel);
        return Save(plot, name);
    }

    private static string Save(Plot plot, string name)
    {
        Directory.CreateDirectory("bench-results");
        var path = Path.Combine("bench-results", name + ".png");
        plot.SavePng(path, Width, Height);
        return path;
    }

    private static string Format(double ms) => ms.ToString(ms < 10 ? "0.0" : "0", CultureInfo.InvariantCulture) + " ms";
}
