using System.Globalization;
using System.Text.Json;
using FelixHub.Bench;

// dotnet run -c Release --project FelixHub.Bench -- [scenario ...]
// Scenarios: metrics, wb. Each starts what it needs (a throwaway PostgreSQL) and prints a table; the
// figures also go to bench-results/<scenario>.json.
// wb-worker is the child process of the wb scenario (the worker whose memory it measures), not a scenario.
if (args is [WbSyncBenchmark.WorkerCommand, ..]) return await WbSyncBenchmark.WorkerAsync(args[1..]);
var scenarios = args.Length > 0 ? args : ["metrics"];
Directory.CreateDirectory("bench-results");
await using var database = await BenchDatabase.StartAsync();

foreach (var scenario in scenarios)
{
    switch (scenario)
    {
        case "metrics":
        {
            const int rows = 1_000_000;
            var results = await MetricsQueriesBenchmark.RunAsync(database, rows);
            Console.WriteLine($"Metrics API queries over {rows:N0} notification_logs rows (median of 5, ms)");
            Console.WriteLine($"{"query",-42} {"median ms",10}");
            foreach (var (name, ms) in results)
                Console.WriteLine($"{name,-42} {ms.ToString("F1", CultureInfo.InvariantCulture),10}");
            await File.WriteAllTextAsync("bench-results/metrics.json",
                JsonSerializer.Serialize(new { rows, medianMs = results.ToDictionary(r => r.Name, r => r.MedianMs) }, new JsonSerializerOptions { WriteIndented = true }));
            break;
        }
        case "wb":
        {
            const int orders = 100_000, sales = 100_000, changed = 1_000;
            var runCount = int.TryParse(Environment.GetEnvironmentVariable("WB_BENCH_RUNS"), out var n) ? n : 3;
            var (runs, load) = await WbSyncBenchmark.RunAsync(database, orders, sales, changed, runCount);
            await WbSyncBenchmark.ReportAsync(runs, load, orders, sales, changed);
            break;
        }
        default:
            Console.Error.WriteLine($"unknown scenario '{scenario}' (known: metrics, wb)");
            return 2;
    }
}
return 0;
