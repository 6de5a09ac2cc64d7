using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using FelixHub.Core.Persistence;
using FelixHub.Core.Wildberries.Cabinets;
using FelixHub.Core.Wildberries.Sync;
using FelixHub.Worker.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace FelixHub.Bench;

/// <summary>
/// Issue 8, scenario 5 (WB sync ingest). The orchestrator (this process) runs PostgreSQL and a lean fake
/// WB API; each run starts a fresh database and a CHILD process that is the worker (the real
/// <see cref="FelixHubApp"/> host, started, with its Hangfire server off so the sync runs once, through <see cref="WbSyncService"/>, what the
/// Hangfire job runs). The child's memory is the worker's alone:
/// the fake's 200,000 pre-serialised rows live in this process. In the child: a warm-up cabinet (2,000
/// rows, synced twice, so JIT and pools are warm as in a running worker), then the measured cabinet:
/// the first sync of 100,000 orders + 100,000 sales, then a delta of 1,000 changed rows
/// (500 cancellations, 250 new orders, 250 new buyouts). WB's rate limits are set to 0 (off).
/// </summary>
internal static class WbSyncBenchmark
{
    public const string WorkerCommand = "wb-worker";

    public sealed record RunResult(
        double FirstSyncSeconds, double RowsPerSecond, double FirstPeakRssMb, double FirstPeakManagedMb, double BaselineRssMb,
        double DeltaSyncSeconds, double DeltaPeakRssMb, int Orders, int Sales, int Events, string FirstStatus, string DeltaStatus);

    public static async Task<(List<RunResult> Runs, string Load)> RunAsync(BenchDatabase database, int orders, int sales, int changed, int runs)
    {
        await using var wb = await BenchWbApi.StartAsync();
        // For profiling: WB_BENCH_PG_LOG_MS=100 logs the statements slower than that to the cluster's postgres.log.
        if (Environment.GetEnvironmentVariable("WB_BENCH_PG_LOG_MS") is { Length: > 0 } logMs)
            await database.ExecuteAsync($"ALTER SYSTEM SET log_min_duration_statement = {int.Parse(logMs, CultureInfo.InvariantCulture)}; SELECT pg_reload_conf()");
        var results = new List<RunResult>();
        var loadBefore = Load();
        for (var run = 1; run <= runs; run++)
        {
            var dbName = $"felixhub_wb_{run}";
            await database.ExecuteAsync($"DROP DATABASE IF EXISTS {dbName}; CREATE DATABASE {dbName}");
            var cs = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Database = dbName }.ConnectionString;
            var warm = wb.AddSeller(1_000, 1_000);
            var token = wb.AddSeller(orders, sales);
            Console.Error.WriteLine($"wb run {run}/{runs}: {orders:N0} orders + {sales:N0} sales, fresh database {dbName}, load {Load()}");
            var result = await RunChildAsync([cs, wb.BaseUrl, warm, token, changed.ToString(CultureInfo.InvariantCulture)]);
            results.Add(result);
            Console.Error.WriteLine($"  first {result.FirstSyncSeconds:F2} s, peak RSS {result.FirstPeakRssMb:F0} MB; delta {result.DeltaSyncSeconds:F3} s");
            wb.RemoveSeller(warm);
            wb.RemoveSeller(token);
            NpgsqlConnection.ClearAllPools();
            await database.ExecuteAsync($"DROP DATABASE IF EXISTS {dbName} WITH (FORCE)");
        }
        return (results, $"{loadBefore} before, {Load()} after");
    }

    public static string Load() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private static async Task<RunResult> RunChildAsync(string[] args)
    {
        var self = Environment.ProcessPath!;
        var psi = new ProcessStartInfo(self) { RedirectStandardOutput = true };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") psi.ArgumentList.Add(typeof(WbSyncBenchmark).Assembly.Location);
        psi.ArgumentList.Add(WorkerCommand);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var stdout = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        var line = stdout.Split('\n').LastOrDefault(l => l.StartsWith("RESULT ", StringComparison.Ordinal));
        if (process.ExitCode != 0 || line is null)
            throw new InvalidOperationException($"the worker process failed (exit {process.ExitCode}): {stdout}");
        return JsonSerializer.Deserialize<RunResult>(line["RESULT ".Length..])!;
    }

    // ---- the child: the worker ---------------------------------------------------------------

    public static async Task<int> WorkerAsync(string[] args)
    {
        var (cs, wbUrl, warmToken, token, changed) = (args[0], args[1], args[2], args[3], int.Parse(args[4], CultureInfo.InvariantCulture));
        var app = FelixHubApp.Build(
        [
            "--urls=http://127.0.0.1:0",
            $"--ConnectionStrings:FelixHub={cs}",
            "--Hangfire:ServerEnabled=false",
            "--Logging:Console=false",
            "--Api:AllowTrustedWithoutKey=true",
            "--DataProtection:MasterKey=ZmVsaXhodWItdGVzdC1tYXN0ZXIta2V5LTMyLWJ5dGU=",
            "--Telegram:ReceiveUpdates=false",
            $"--Wildberries:StatisticsBaseUrl={wbUrl}",
            $"--Wildberries:FeedbacksBaseUrl={wbUrl}",
            $"--Wildberries:AnalyticsBaseUrl={wbUrl}",
            $"--Wildberries:ContentBaseUrl={wbUrl}",
            // WB's own rate limits off: the benchmark measures our cost, not WB's pacing.
            "--Wildberries:StatisticsIntervalSeconds=0",
            "--Wildberries:BaseTokenOrdersIntervalSeconds=0",
            "--Wildberries:BaseTokenSalesIntervalSeconds=0",
            "--Wildberries:FeedbacksIntervalSeconds=0",
            "--Wildberries:AnalyticsIntervalSeconds=0",
            "--Wildberries:ContentIntervalSeconds=0",
        ]);
        await app.MigrateDatabaseAsync();
        await app.StartAsync();

        // Warm-up: a small cabinet synced twice (initial, then regular with a delta).
        var warmId = await RegisterAsync(app, 1, warmToken);
        await SyncAsync(app, warmId);
        await ChangeAsync(wbUrl, warmToken, 100);
        await SyncAsync(app, warmId);

        var cabinetId = await RegisterAsync(app, 2, token);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var baseline = Rss();

        var (firstSeconds, firstStatus, firstRss, firstManaged) = await MeasureAsync(() => SyncAsync(app, cabinetId));
        var (orders, sales, events) = await CountsAsync(cs, cabinetId);
        await ChangeAsync(wbUrl, token, changed);
        var (deltaSeconds, deltaStatus, deltaRss, _) = await MeasureAsync(() => SyncAsync(app, cabinetId));
        var (_, _, eventsAfter) = await CountsAsync(cs, cabinetId);

        await app.StopAsync();
        await app.DisposeAsync();
        var result = new RunResult(firstSeconds, (orders + sales) / firstSeconds, firstRss, firstManaged, baseline,
            deltaSeconds, deltaRss, orders, sales, eventsAfter - events, firstStatus.ToString(), deltaStatus.ToString());
        Console.WriteLine("RESULT " + JsonSerializer.Serialize(result));
        return 0;
    }

    private static async Task<(double Seconds, WbSyncStatus Status, double PeakRssMb, double PeakManagedMb)> MeasureAsync(Func<Task<WbSyncResult>> sync)
    {
        ResetPeakRss();
        long peakManaged = 0;
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                peakManaged = Math.Max(peakManaged, GC.GetTotalMemory(false));
                try { await Task.Delay(10, stop.Token); } catch (OperationCanceledException) { }
            }
        });
        var watch = Stopwatch.StartNew();
        var result = await sync();
        var seconds = watch.Elapsed.TotalSeconds;
        await stop.CancelAsync();
        await sampler;
        if (result.Status != WbSyncStatus.Succeeded) throw new InvalidOperationException($"sync {result.Status}: {result.Error}");
        return (seconds, result.Status, PeakRss(), peakManaged / 1048576.0);
    }

    private static async Task<long> RegisterAsync(WebApplication app, long telegramId, string token)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var response = await scope.ServiceProvider.GetRequiredService<CabinetService>()
            .RegisterAsync(new RegisterCabinetRequest(telegramId.ToString(CultureInfo.InvariantCulture), token), CancellationToken.None);
        return response.CabinetId;
    }

    /// <summary>What the Hangfire job runs (WbCabinetSyncJob → WbSyncService), in its own scope.</summary>
    private static async Task<WbSyncResult> SyncAsync(WebApplication app, long cabinetId)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<WbSyncService>().SyncAsync(cabinetId, CancellationToken.None);
    }

    private static async Task ChangeAsync(string wbUrl, string token, int rows)
    {
        using var http = new HttpClient();
        var response = await http.PostAsync(new Uri($"{wbUrl}/_bench/change?rows={rows}&token={Uri.EscapeDataString(token)}"), null);
        response.EnsureSuccessStatusCode();
    }

    private static async Task<(int Orders, int Sales, int Events)> CountsAsync(string cs, long cabinetId)
    {
        await using var connection = new NpgsqlConnection(cs);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT (SELECT count(*) FROM wb_orders WHERE cabinet_id = $1)::int, (SELECT count(*) FROM wb_sales WHERE cabinet_id = $1)::int,
                   (SELECT count(*) FROM delivery_messages WHERE cabinet_id = $1)::int
            """, connection);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = cabinetId });
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt32(0), reader.GetInt32(1), reader.GetInt32(2));
    }

    /// <summary>Linux: writing 5 to clear_refs resets the peak resident set (VmHWM) of this process.</summary>
    private static void ResetPeakRss()
    {
        try { File.WriteAllText("/proc/self/clear_refs", "5"); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static double PeakRss() => StatusKb("VmHWM:") / 1024.0;

    private static double Rss() => StatusKb("VmRSS:") / 1024.0;

    private static long StatusKb(string field)
    {
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }

    // ---- the table ----------------------------------------------------------------------------

    public static async Task ReportAsync(List<RunResult> runs, string load, int orders, int sales, int changed)
    {
        static double Median(IEnumerable<double> values)
        {
            var sorted = values.OrderBy(v => v).ToList();
            return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
        }
        string F(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);
        var rows = orders + sales;
        var full = rows == 200_000 && changed == 1_000; // issue 8's targets are for this size
        var median = new
        {
            firstSyncSeconds = Median(runs.Select(r => r.FirstSyncSeconds)),
            rowsPerSecond = Median(runs.Select(r => r.RowsPerSecond)),
            firstPeakRssMb = Median(runs.Select(r => r.FirstPeakRssMb)),
            firstPeakManagedMb = Median(runs.Select(r => r.FirstPeakManagedMb)),
            baselineRssMb = Median(runs.Select(r => r.BaselineRssMb)),
            deltaSyncSeconds = Median(runs.Select(r => r.DeltaSyncSeconds)),
            deltaPeakRssMb = Median(runs.Select(r => r.DeltaPeakRssMb)),
        };
        Console.WriteLine($"WB sync ingest: {orders:N0} orders + {sales:N0} sales for one cabinet, then {changed:N0} changed rows");
        Console.WriteLine("(worker = child process running the real host; fake WB API in the bench process; WB rate limits off; medians of " + runs.Count + " runs, fresh database each)");
        Console.WriteLine($"{"figure",-44} {"median",10} {"runs",28} {"target",10}");
        void Line(string name, double value, Func<RunResult, double> pick, string format, string target) =>
            Console.WriteLine($"{name,-44} {F(value, format),10} {string.Join(" / ", runs.Select(r => F(pick(r), format))),28} {target,10}");
        Line($"first sync of {rows:N0} rows, s", median.firstSyncSeconds, r => r.FirstSyncSeconds, "F2", full ? "<= 15" : "");
        Line("first sync, rows/s", median.rowsPerSecond, r => r.RowsPerSecond, "F0", "");
        Line("first sync, peak worker RSS (VmHWM), MB", median.firstPeakRssMb, r => r.FirstPeakRssMb, "F0", full ? "<= 400" : "");
        Line("first sync, peak managed heap (sampled), MB", median.firstPeakManagedMb, r => r.FirstPeakManagedMb, "F0", "");
        Line("worker RSS before the sync, MB", median.baselineRssMb, r => r.BaselineRssMb, "F0", "");
        Line($"delta sync of {changed:N0} changed rows, s", median.deltaSyncSeconds, r => r.DeltaSyncSeconds, "F3", full ? "<= 1" : "");
        Line("delta sync, peak worker RSS, MB", median.deltaPeakRssMb, r => r.DeltaPeakRssMb, "F0", "");
        Console.WriteLine($"rows stored per run: {string.Join(" / ", runs.Select(r => $"{r.Orders:N0}+{r.Sales:N0}"))}; delta events queued: {string.Join(" / ", runs.Select(r => r.Events))}; load average {load}");
        await File.WriteAllTextAsync("bench-results/wb.json", JsonSerializer.Serialize(new
        {
            scenario = "wb", orders, sales, changedRows = changed, rateLimits = "off", worker = "child process, in-process host, Hangfire server off, WbSyncService.SyncAsync called directly (what WbCabinetSyncJob runs)",
            loadAverage = load, median, runs,
        }, new JsonSerializerOptions { WriteIndented = true }));
    }
}
