using System.Globalization;
using System.Text.Json;
using FelixHub.Bench;

// dotnet run -c Release --project FelixHub.Bench -- [scenario ...] [--runs N] [--quick] [--messages N] [--minutes N] [--seed N] [--set Section:Key=value ...]
// Scenarios: latency pipeline limits bulk reminders reminders-limits reminders-on-time wb-events wb idle (the default set, in this order), metrics, retention,
// inbox (= inbox-1000 inbox-10000 inbox-3x2000: WebSocket fan-out of an office alert), priority,
// soak (faults over time: 30 minutes, --quick 2, --minutes N; --seed N repeats a run's faults; a PostgreSQL of its own with max_connections = 100).
// Each run starts what it needs (a throwaway PostgreSQL, the worker as a child process, a fake Bot API
// on 127.0.0.1), prints one table (medians over the runs) and writes bench-results/<scenario>.json.
// wb-worker is the child process of the wb scenario (the worker whose memory it measures), not a scenario.
if (args is [WbSyncBenchmark.WorkerCommand, ..]) return await WbSyncBenchmark.WorkerAsync(args[1..]);
var runs = 1;
var quick = false;
var messages = 20_000;
var scenarios = new List<string>();
var overrides = new Dictionary<string, string?>();
double? minutes = null;
int? seed = null;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--runs": runs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--quick": quick = true; break;
        case "--messages": messages = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--minutes": minutes = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--seed": seed = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--set":
            var pair = args[++i].Split('=', 2);
            overrides[pair[0]] = pair[1];
            break;
        default: scenarios.Add(args[i]); break;
    }
}
if (scenarios.Count == 0) scenarios = ["latency", "pipeline", "limits", "bulk", "reminders", "reminders-limits", "reminders-on-time", "wb-events", "wb", "idle"];
// inbox: the three sizes of issue 25 §2, one scenario (table rows, JSON, chart) each.
scenarios = scenarios.SelectMany(s => s == "inbox" ? new[] { "inbox-1000", "inbox-10000", "inbox-3x2000" } : [s]).ToList();
var options = new BenchOptions(runs, quick, messages, overrides);

Directory.CreateDirectory("bench-results");
await using var database = await BenchDatabase.StartAsync();
var delivery = new DeliveryBenchmarks(database, options);
var inbox = new InboxBenchmark(database, delivery);
var table = new List<(Figure Figure, double[] Runs)>();
var soakRuns = 0;
var soakSeed = seed ?? Random.Shared.Next(1, 1_000_000);

foreach (var scenario in scenarios)
{
    Func<Task<List<Figure>>>? run = scenario switch
    {
        "latency" => delivery.LatencyAsync,
        "pipeline" => delivery.PipelineAsync,
        "limits" => delivery.LimitsAsync,
        "bulk" => () => delivery.RemindersAsync("bulk", quick ? 1_000 : messages, enforceLimits: false, chats: quick ? 1_000 : messages),
        "reminders" => () => delivery.RemindersAsync("reminders", quick ? 1_000 : 10_000, enforceLimits: false, chats: quick ? 1_000 : 10_000),
        "reminders-limits" => () => delivery.RemindersAsync("reminders-limits", quick ? 300 : 3_000, enforceLimits: true, chats: quick ? 30 : 300),
        "reminders-on-time" => () => quick
            ? delivery.RemindersOnTimeAsync(1_000, TimeSpan.FromMinutes(1), ahead: TimeSpan.FromSeconds(10))
            : delivery.RemindersOnTimeAsync(10_000, TimeSpan.FromMinutes(10), ahead: TimeSpan.FromSeconds(30)),
        "wb-events" => () => delivery.WbEventsAsync(quick ? 1_000 : 10_000),
        "priority" => () => delivery.PriorityAsync(quick ? 600 : 10_000),
        "idle" => delivery.IdleAsync,
        "retention" => () => delivery.RetentionAsync(quick ? 100_000 : 1_000_000),
        // --quick: 200, 1,000 and 3 × 200 sockets.
        "inbox-1000" => () => inbox.RunAsync(scenario, quick ? 200 : 1_000, replicas: 1),
        "inbox-10000" => () => inbox.RunAsync(scenario, quick ? 1_000 : 10_000, replicas: 1),
        "inbox-3x2000" => () => inbox.RunAsync(scenario, quick ? 600 : 6_000, replicas: 3),
        // Each run its own seed (the first one's, then +1 …), printed so a run can be repeated with --seed.
        "soak" => () => new SoakBenchmark(delivery, TimeSpan.FromMinutes(minutes ?? (quick ? 2 : 30)), soakSeed + soakRuns++).RunAsync(),
        _ => null,
    };
    if (scenario == "metrics")
    {
        const int rows = 1_000_000;
        var results = await MetricsQueriesBenchmark.RunAsync(database, rows);
        Console.WriteLine($"Metrics API queries over {rows:N0} notification_logs rows (median of 5, ms)");
        Console.WriteLine($"{"query",-42} {"median ms",10}");
        foreach (var (name, ms) in results)
            Console.WriteLine($"{name,-42} {ms.ToString("F1", CultureInfo.InvariantCulture),10}");
        await File.WriteAllTextAsync("bench-results/metrics.json",
            JsonSerializer.Serialize(new { rows, medianMs = results.ToDictionary(r => r.Name, r => r.MedianMs) }, new JsonSerializerOptions { WriteIndented = true }));
        continue;
    }
    if (scenario == "wb")
    {
        // Issue 8 asks for medians of 3 runs here; --runs overrides; --quick is a smoke run of 10,000 + 10,000 rows.
        int orders = quick ? 10_000 : 100_000, sales = orders, changed = quick ? 100 : 1_000;
        var (wbRuns, load) = await WbSyncBenchmark.RunAsync(database, orders, sales, changed, args.Contains("--runs") ? runs : 3);
        await WbSyncBenchmark.ReportAsync(wbRuns, load, orders, sales, changed);
        continue;
    }
    if (run is null)
    {
        Console.Error.WriteLine($"unknown scenario '{scenario}' (known: latency pipeline limits bulk reminders reminders-limits reminders-on-time wb-events wb idle metrics retention inbox inbox-1000 inbox-10000 inbox-3x2000 priority soak)");
        return 2;
    }

    var perRun = new List<List<Figure>>();
    for (var r = 1; r <= runs; r++)
    {
        Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {scenario}: run {r} of {runs}");
        var figures = await run();
        perRun.Add(figures);
        foreach (var f in figures)
            Console.Error.WriteLine($"    {f.Metric}: {f.Value.ToString("0.##", CultureInfo.InvariantCulture)} {f.Unit}");
    }
    var rows2 = perRun[0].Select((f, i) =>
    {
        var values = perRun.Select(p => p[i].Value).ToArray();
        var median = values.Order().ElementAt(values.Length / 2);
        return (Figure: f with { Value = median, Met = f.Met is null ? null : perRun.Select(p => p[i]).OrderBy(x => x.Value).ElementAt(values.Length / 2).Met }, Runs: values);
    }).ToList();
    table.AddRange(rows2);
    await File.WriteAllTextAsync($"bench-results/{scenario}.json", JsonSerializer.Serialize(new
    {
        scenario,
        runs,
        quick,
        machine = new { Environment.ProcessorCount, os = Environment.OSVersion.VersionString },
        figures = rows2.Select(r => new { r.Figure.Metric, median = r.Figure.Value, r.Figure.Unit, r.Figure.Target, r.Figure.Met, runs = r.Runs }),
        // A figure with nothing to measure (a percentile of no samples) is NaN: written as "NaN", not a crash.
    }, new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));
}

if (table.Count > 0)
{
    Console.WriteLine();
    Console.WriteLine($"FelixHub benchmark — {Environment.ProcessorCount} cores, median of {runs} run(s){(quick ? ", QUICK (smoke) sizes" : "")}");
    Console.WriteLine($"{"scenario",-18} {"metric",-42} {"median",12} {"unit",-6} {"target",-8} {"met",-4} runs");
    foreach (var (f, values) in table)
    {
        var met = f.Met switch { true => "yes", false => "NO", null => "" };
        Console.WriteLine($"{f.Scenario,-18} {f.Metric,-42} {f.Value.ToString("0.##", CultureInfo.InvariantCulture),12} {f.Unit,-6} {f.Target ?? "",-8} {met,-4} {string.Join(" / ", values.Select(v => v.ToString("0.#", CultureInfo.InvariantCulture)))}");
    }
}
return 0;
