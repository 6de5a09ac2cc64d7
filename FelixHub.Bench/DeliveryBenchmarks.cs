using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using FelixHub.Core.Delivery;
using FelixHub.Core.OrderNotifications;
using FelixHub.Core.Orders;
using FelixHub.Core.Telegram;
using FelixHub.Tests.Infrastructure;
using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Npgsql;

namespace FelixHub.Bench;

/// <summary>One measured figure of a scenario, with its target when the issue names one.</summary>
internal sealed record Figure(string Scenario, string Metric, double Value, string Unit, string? Target = null, bool? Met = null);

/// <summary>
/// The delivery scenarios of issue 8. Each run gets a fresh database and a fresh worker process (the
/// Release build, production settings except the Telegram endpoint and what the scenario names), and
/// a fake Bot API on 127.0.0.1 in this process.
/// </summary>
internal sealed class DeliveryBenchmarks(BenchDatabase cluster, BenchOptions options)
{
    /// <summary>Production settings with the fake Telegram; <paramref name="extra"/> on top.</summary>
    internal Dictionary<string, string?> Settings(string connectionString, FakeTelegramServer telegram, IDictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:FelixHub"] = connectionString,
            ["Telegram:ApiBaseUrl"] = telegram.BaseUrl,
            ["Telegram:BotToken"] = FakeTelegramServer.Token,
            // The bot's update receiving (long polls to Telegram) is not what is measured here.
            ["Telegram:ReceiveUpdates"] = "false",
            ["Notifications:MechanicStatusEnabled"] = "true",
            ["Notifications:FrontendUrl"] = "https://felix.example",
            // The benchmark calls the API from loopback without a key.
            ["Api:AllowTrustedWithoutKey"] = "true",
            ["DataProtection:MasterKey"] = "ZmVsaXhodWItdGVzdC1tYXN0ZXIta2V5LTMyLWJ5dGU=",
        };
        foreach (var (k, v) in extra ?? new Dictionary<string, string?>()) settings[k] = v;
        foreach (var (k, v) in options.WorkerSettings) settings[k] = v;
        return settings;
    }

    /// <summary>
    /// Telegram limits off: the fake accepts everything and the worker's bot budget is off, so the
    /// figure is what the path itself can feed (a paid-broadcast bot would be capped at 1,000/s).
    /// Per-chat pacing stays on (every message goes to its own chat).
    /// </summary>
    private static readonly Dictionary<string, string?> Unlimited = new()
    {
        ["Telegram:GlobalMessagesPerSecond"] = "0",
    };

    // ---------------------------------------------------------------- 1. latency

    public async Task<List<Figure>> LatencyAsync()
    {
        var perSecond = 20;
        var seconds = options.Quick ? 5 : 60;
        var count = perSecond * seconds;
        var cs = await cluster.CreateDatabaseAsync();
        await using var telegram = await FakeTelegramServer.StartAsync();
        await using var worker = await BenchWorker.StartAsync(cluster.RepositoryDirectory, Settings(cs, telegram));
        const int warmUp = 20;
        var seeded = await SeedOrdersAsync(cs, count + warmUp, mechanics: count + warmUp, chatBase: 1_000_000);

        // Warm-up: a few changes that are not measured (first JIT, first connections).
        await PatchAllAsync(worker, seeded.Take(warmUp).ToList(), "в работе", 4);
        await WaitForAsync(() => telegram.Delivered.Count >= warmUp, TimeSpan.FromSeconds(60), "latency: warm-up messages did not arrive");
        var orders = seeded.Skip(warmUp).ToList();
        var sentAt = new DateTimeOffset[count];
        var clock = Stopwatch.StartNew();
        var requests = new List<Task>(count);
        for (var i = 0; i < count; i++)
        {
            var due = TimeSpan.FromMilliseconds(1000.0 * i / perSecond);
            var wait = due - clock.Elapsed;
            if (wait > TimeSpan.Zero) await Task.Delay(wait);
            var index = i;
            sentAt[index] = DateTimeOffset.UtcNow;
            requests.Add(PatchAsync(worker, orders[index].Id, "в работе"));
        }
        await Task.WhenAll(requests);
        await WaitForAsync(() => telegram.Delivered.Count >= count + warmUp, TimeSpan.FromSeconds(60), "latency: not every message arrived");

        var arrivals = telegram.Delivered.GroupBy(d => d.ChatId!).ToDictionary(g => g.Key, g => g.Min(d => d.At));
        var latencies = orders.Select((o, i) => (arrivals[o.ChatId] - sentAt[i]).TotalMilliseconds).Order().ToArray();
        Charts.Distribution("latency", $"latency: PATCH → message at the fake Bot API, {perSecond} status changes/s", "ms", latencies);

        // Where the time goes, from Hangfire's own records: PATCH → job created, created → Processing, Processing → delivered.
        var stages = await JobStagesAsync(cs);
        var byOrder = orders.Select((o, i) => (o, i)).ToDictionary(x => x.o.Id, x => x.i);
        var toJob = new List<double>();
        var toStart = new List<double>();
        var toSend = new List<double>();
        foreach (var (orderId, created, processing) in stages)
        {
            if (!byOrder.TryGetValue(orderId, out var i)) continue;
            toJob.Add((created - sentAt[i]).TotalMilliseconds);
            toStart.Add((processing - created).TotalMilliseconds);
            toSend.Add((arrivals[orders[i].ChatId] - processing).TotalMilliseconds);
        }
        return
        [
            new("latency", "stage: PATCH → job enqueued (p50)", Median(toJob), "ms"),
            new("latency", "stage: enqueued → Processing (p50)", Median(toStart), "ms"),
            new("latency", "stage: Processing → received (p50)", Median(toSend), "ms"),
            new("latency", "p50", Percentile(latencies, 50), "ms", "≤ 50", Percentile(latencies, 50) <= 50),
            new("latency", "p95", Percentile(latencies, 95), "ms"),
            new("latency", "p99", Percentile(latencies, 99), "ms", "≤ 250", Percentile(latencies, 99) <= 250),
            new("latency", "max", latencies[^1], "ms"),
            new("latency", "messages", count, ""),
        ];
    }

    // ---------------------------------------------------------------- retention

    /// <summary>
    /// The daily retention job over <paramref name="rows"/> finished messages and as many attempt-log rows,
    /// all past their age, while status changes go on at 20/s: how long the run takes, and what a sender
    /// feels meanwhile (PATCH → message at the fake Bot API, for the changes made during the run).
    /// </summary>
    public async Task<List<Figure>> RetentionAsync(int rows)
    {
        const string scenario = "retention";
        var cs = await cluster.CreateDatabaseAsync();
        await using var telegram = await FakeTelegramServer.StartAsync();
        await using var worker = await BenchWorker.StartAsync(cluster.RepositoryDirectory, Settings(cs, telegram));
        await using (var connection = new NpgsqlConnection(cs))
        {
            await connection.OpenAsync();
            await using var seed = new NpgsqlCommand("""
                /*bench*/ INSERT INTO delivery_messages (kind, dedup_key, chat_id, text, state, due_at, created_at, sent_at, finished_at)
                SELECT 'mechanic_status_change', md5('old:' || i), (7000000 + i % 5000)::text, 'Статус заказа изменён', 'sent',
                       now() - interval '100 days', now() - interval '100 days', now() - interval '100 days', now() - interval '100 days'
                FROM generate_series(1, @rows) AS i;
                INSERT INTO notification_logs (notification_type, telegram_id, message_hash, sent_at, success)
                SELECT 'mechanic_status_change', (7000000 + i % 5000)::text, md5('old:' || i), now() - interval '100 days', true
                FROM generate_series(1, @rows) AS i;
                """, connection) { CommandTimeout = 1200 };
            seed.Parameters.AddWithValue("rows", rows);
            await seed.ExecuteNonQueryAsync();
            foreach (var table in new[] { "delivery_messages", "notification_logs" })
            {
                await using var vacuum = new NpgsqlCommand($"/*bench*/ VACUUM ANALYZE {table}", connection) { CommandTimeout = 1200 };
                await vacuum.ExecuteNonQueryAsync();
            }
        }
        var orders = await SeedOrdersAsync(cs, 6_000, mechanics: 6_000, chatBase: 8_000_000);
        // Warm-up: a few changes that are not measured (first JIT, first connections).
        await PatchAllAsync(worker, orders.Take(20).ToList(), "в работе", 4);
        await WaitForAsync(() => telegram.Delivered.Count >= 20, TimeSpan.FromSeconds(60), "retention: warm-up messages did not arrive");

        const string oldRows = "/*bench*/ SELECT (SELECT count(*) FROM delivery_messages WHERE created_at < now() - interval '95 days') + (SELECT count(*) FROM notification_logs WHERE sent_at < now() - interval '95 days')";
        var clock = Stopwatch.StartNew();
        new RecurringJobManager(Storage(cs)).Trigger("retention");
        var sentAt = new List<(SeededOrder Order, DateTimeOffset At)>();
        var requests = new List<Task>();
        var done = false;
        for (var i = 20; i < orders.Count && !done; i++)
        {
            var due = TimeSpan.FromMilliseconds(1000.0 * (i - 20) / 20);
            var wait = due - clock.Elapsed;
            if (wait > TimeSpan.Zero) await Task.Delay(wait);
            sentAt.Add((orders[i], DateTimeOffset.UtcNow));
            requests.Add(PatchAsync(worker, orders[i].Id, "в работе"));
            if (i % 20 == 0) done = await ScalarAsync(cs, oldRows) == 0;
        }
        var runSeconds = clock.Elapsed.TotalSeconds;
        if (!done) throw new InvalidOperationException("retention: the run did not finish while the status changes lasted");
        await Task.WhenAll(requests);
        await WaitForAsync(() => telegram.Delivered.Count >= sentAt.Count + 20, TimeSpan.FromSeconds(60), "retention: not every message arrived");
        var arrivals = telegram.Delivered.GroupBy(d => d.ChatId!).ToDictionary(g => g.Key, g => g.Min(d => d.At));
        var latencies = sentAt.Select(s => (arrivals[s.Order.ChatId] - s.At).TotalMilliseconds).Order().ToArray();
        return
        [
            new(scenario, "rows deleted", rows * 2, ""),
            new(scenario, "run (trigger → last old row gone)", runSeconds, "s", "≤ 60", runSeconds <= 60),
            new(scenario, "status change → message during the run, p50", Percentile(latencies, 50), "ms", "≤ 50", Percentile(latencies, 50) <= 50),
            new(scenario, "status change → message during the run, p99", Percentile(latencies, 99), "ms", "≤ 250", Percentile(latencies, 99) <= 250),
            new(scenario, "status changes during the run", latencies.Length, ""),
        ];
    }

    // ---------------------------------------------------------------- 2. pipeline throughput

    /// <summary>
    /// Empty Hangfire jobs against mechanic notifications, side by side on one database. Each kind is
    /// enqueued first with no Hangfire server running (empty jobs by a Hangfire client from 16 threads,
    /// status changes through <c>PATCH /api/orders/{id}</c> from 16 connections), then a worker with its
    /// server on drains the queue: the rate is jobs done per second between the first job's Processing
    /// state and the last one's Succeeded state (Hangfire's own records, the same for all kinds). Before
    /// each drain the jobs earlier drains finished are expired and the database is vacuumed and
    /// checkpointed (<see cref="StatementCounter.SettleAsync"/>), so every drain starts alike.
    /// <para>
    /// A third drain separates Hangfire's cost from the job's own work: the same notification job
    /// (same type, arguments, activation from DI, async execution) with the feature flag off, so it
    /// returns after logging one line. Its jobs are enqueued by a Hangfire client like the empty ones.
    /// </para>
    /// <para>
    /// Two more drains measure the notification's Telegram call on its own: jobs that call the worker's
    /// <see cref="ITelegramSender"/> with a message like the notification's, once without per-chat pacing
    /// (the HTTP call alone, no database work) and once with it (the pacing's claim and release around
    /// the call). Together they tell how much of the gap to the empty job the call itself costs, before
    /// any deduplication or logging.
    /// </para>
    /// Statements count enqueue and drain; the drains' statements, most expensive first, are written to
    /// <c>bench-results/pipeline-{empty,flag-off,send-paced,send-unpaced,notification}-statements.txt</c>
    /// (the enqueue phases' to <c>…-enqueue-statements.txt</c>). PostgreSQL's CPU is also split by the
    /// connections that asked for it (<see cref="PostgresCpuByClient"/>).
    /// </summary>
    public async Task<List<Figure>> PipelineAsync()
    {
        var count = options.Quick ? 500 : options.Messages;
        var cs = await cluster.CreateDatabaseAsync();
        await using var telegram = await FakeTelegramServer.StartAsync();
        var serverOff = new Dictionary<string, string?>(Unlimited) { ["Hangfire:ServerEnabled"] = "false" };

        // a) Empty jobs.
        List<SeededOrder> orders;
        await using (var enqueuer = await BenchWorker.StartAsync(cluster.RepositoryDirectory, Settings(cs, telegram, serverOff)))
        {
            orders = await SeedOrdersAsync(cs, count, mechanics: count, chatBase: 3_000_000);
        }
        await StatementCounter.ResetAsync(cs);
        var client = new BackgroundJobClient(Storage(cs));
        await EnqueueAsync(count, _ => client.Enqueue(() => GC.KeepAlive(null)));
        var empty = await DrainAsync(cs, Settings(cs, telegram, Unlimited), EmptyJobFilter, "empty", count);

        // b) The send job for a message that does not exist: Hangfire's whole cost of this job, and one
        //    lookup of the ledger, none of the send's work.
        await StatementCounter.ResetAsync(cs);
        await EnqueueAsync(count, i => client.Enqueue<DeliveryJob>(job => job.ExecuteAsync(-orders[i].Id, "mechanic_status_change", CancellationToken.None)));
        var flagOffFilter = $"{MechanicJobFilter} AND j.id <= {await ScalarAsync(cs, "/*bench*/ SELECT max(id) FROM hangfire.job")}";
        var flagOff = await DrainAsync(cs, Settings(cs, telegram, Unlimited), flagOffFilter, "flag-off", count);

        // c) The notification's Telegram call alone, as a job of its own (the worker's ITelegramSender from
        //    DI, a message like the notification's, chats of its own): with the per-chat pacing (claim,
        //    call, release: two statements) and without it (the call alone, no database work at all).
        var text = OrderMessages.MechanicStatusChange(
            new Order { Id = orders[0].Id, CarNumber = "А001ВС77", Category = "ТО", Parts = ["масляный фильтр", "масло 5W-30"], Status = "в работе" },
            "новый", "в работе", "http://localhost:3000");
        async Task<Drain> SendOnlyAsync(string name, long chatOffset, Dictionary<string, string?> settings)
        {
            await StatementCounter.ResetAsync(cs);
            var after = await ScalarAsync(cs, "/*bench*/ SELECT max(id) FROM hangfire.job");
            await EnqueueAsync(count, i => client.Enqueue<ITelegramSender>(sender => sender.SendHtmlAsync(
                (long.Parse(orders[i].ChatId, CultureInfo.InvariantCulture) + chatOffset).ToString(CultureInfo.InvariantCulture), text, CancellationToken.None)));
            return await DrainAsync(cs, settings, $"{SenderJobFilter} AND j.id > {after}", name, count);
        }
        var sendPaced = await SendOnlyAsync("send-paced", 10_000_000, Settings(cs, telegram, Unlimited));
        var sendUnpaced = await SendOnlyAsync("send-unpaced", 20_000_000,
            Settings(cs, telegram, new Dictionary<string, string?>(Unlimited) { ["Telegram:PerChatIntervalMilliseconds"] = "0" }));
        var deliveredBefore = telegram.Delivered.Count;

        // d) Status changes through the API, each notifying its mechanic (one Hangfire job each).
        var notificationFilter = $"{MechanicJobFilter} AND NOT ({flagOffFilter})";
        double patchRate;
        await StatementCounter.ResetAsync(cs);
        await using (var enqueuer = await BenchWorker.StartAsync(cluster.RepositoryDirectory, Settings(cs, telegram, serverOff)))
        {
            var clock = Stopwatch.StartNew();
            await PatchAllAsync(enqueuer, orders, "в работе", 16);
            patchRate = count / clock.Elapsed.TotalSeconds;
        }
        var notification = await DrainAsync(cs, Settings(cs, telegram, Unlimited), notificationFilter, "notification", count,
            () => WaitForAsync(() => telegram.Delivered.Count >= deliveredBefore + count, TimeSpan.FromMinutes(30), "pipeline: not every message arrived", poll: 250));
        var duplicates = telegram.Delivered.GroupBy(d => d.ChatId).Sum(g => g.Count() - 1);
        var ratio = notification.Rate / empty.Rate * 100;
        return
        [
            .. empty.Figures("empty Hangfire job", "jobs", count),
            .. flagOff.Figures("send job, no message", "jobs", count),
            new("pipeline", "flag-off job/s as % of empty job", flagOff.Rate / empty.Rate * 100, "%"),
            .. sendUnpaced.Figures("Telegram call alone", "jobs", count),
            new("pipeline", "Telegram call alone: job/s as % of empty job", sendUnpaced.Rate / empty.Rate * 100, "%"),
            .. sendPaced.Figures("Telegram call with per-chat pacing", "jobs", count),
            new("pipeline", "Telegram call with per-chat pacing: job/s as % of empty job", sendPaced.Rate / empty.Rate * 100, "%"),
            .. notification.Figures("mechanic notification", "msgs", count),
            new("pipeline", "msgs/s as % of empty job", ratio, "%", "≥ 80", ratio >= 80),
            new("pipeline", "msgs/s as % of flag-off job", notification.Rate / flagOff.Rate * 100, "%"),
            new("pipeline", "PATCH /api/orders/{id} per second (16 clients)", patchRate, "/s"),
            new("pipeline", "duplicates", duplicates, "", "0", duplicates == 0),
        ];
    }

    /// <summary>Runs <paramref name="enqueue"/> for 0..count-1 from 16 threads.</summary>
    private static Task EnqueueAsync(int count, Action<int> enqueue)
    {
        var next = -1;
        return Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count) enqueue(i);
        })));
    }

    /// <summary>What one drain measured; the enqueue statements counted since the last reset are included in <see cref="Statements"/>.</summary>
    private sealed record Drain(double Rate, double Statements, double PeakRssMb, double LongestPause, CpuSplit Cpu)
    {
        public IEnumerable<Figure> Figures(string kind, string unit, int count) =>
        [
            new("pipeline", $"{kind}: {unit}/s", Rate, "/s"),
            new("pipeline", $"{kind}: statements/{unit.TrimEnd('s')} (enqueue + job)", Statements, ""),
            new("pipeline", $"{kind}: peak RSS", PeakRssMb, "MB"),
            new("pipeline", $"{kind}: longest pause between two Succeeded", LongestPause, "s"),
            new("pipeline", $"{kind}: CPU ms/{unit.TrimEnd('s')}: worker / postgres / bench", Cpu.Worker / count, $"/ {Cpu.Postgres.Total / count:0.00} / {Cpu.Bench / count:0.00}"),
            new("pipeline", $"{kind}: machine CPU busy during the drain", Cpu.BusyPercent, "%"),
            new("pipeline", $"{kind}: PostgreSQL CPU ms/{unit.TrimEnd('s')}: Hangfire's connections / the app's / other", Cpu.Postgres.Hangfire / count,
                $"/ {Cpu.Postgres.App / count:0.00} / {Cpu.Postgres.Other / count:0.00}"),
        ];
    }

    /// <summary>
    /// Settles the database, then starts a worker with its Hangfire server on and waits until the jobs
    /// <paramref name="jobFilter"/> selects have all succeeded (and whatever <paramref name="alsoWait"/> waits for).
    /// </summary>
    private async Task<Drain> DrainAsync(string cs, Dictionary<string, string?> settings, string jobFilter, string name, int count, Func<Task>? alsoWait = null)
    {
        var enqueueStatements = await StatementCounter.CountAsync(cs);
        await StatementCounter.WriteProfileAsync(cs, $"bench-results/pipeline-{name}-enqueue-statements.txt", count);
        await StatementCounter.SettleAsync(cs);
        await StatementCounter.ResetAsync(cs);
        await using var worker = await BenchWorker.StartAsync(cluster.RepositoryDirectory, settings);
        // From the worker's first /health answer: the jobs its Hangfire server finished before that (about
        // a second's worth) are not in the CPU figures, which is why they mean little at --quick sizes.
        var meter = CpuMeter.Start(worker);
        if (alsoWait is not null) await alsoWait();
        await WaitForAsync(async () => await SucceededAsync(cs, jobFilter) >= count, TimeSpan.FromMinutes(30), $"pipeline: the {name} jobs did not finish", poll: 250);
        var cpu = await meter.StopAsync(cs);
        var rate = count / await DrainSecondsAsync(cs, jobFilter);
        var pause = await LongestPauseSecondsAsync(cs, jobFilter);
        var statements = (enqueueStatements + await StatementCounter.CountAsync(cs)) / (double)count;
        await StatementCounter.WriteProfileAsync(cs, $"bench-results/pipeline-{name}-statements.txt", count);
        return new Drain(rate, statements, worker.Memory().PeakRssMb, pause, cpu);
    }

    private const string EmptyJobFilter = "j.invocationdata ->> 'Type' LIKE 'System.GC%'";
    private const string SenderJobFilter = "j.invocationdata ->> 'Type' LIKE '%ITelegramSender%'";
    private const string MechanicJobFilter = "j.invocationdata ->> 'Type' LIKE '%DeliveryJob%'";

    /// <summary>The longest time, in seconds, between two consecutive Succeeded states of the jobs the filter selects (a stall in the drain).</summary>
    private static async Task<double> LongestPauseSecondsAsync(string cs, string jobFilter)
    {
        await using var connection = new NpgsqlConnection(cs);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"""
            /*bench*/ SELECT COALESCE(EXTRACT(EPOCH FROM max(gap)), 0) FROM (
                SELECT s.createdat - lag(s.createdat) OVER (ORDER BY s.createdat) AS gap
                FROM hangfire.state s JOIN hangfire.job j ON j.id = s.jobid
                WHERE s.name = 'Succeeded' AND {jobFilter}) g
            """, connection);
        return Convert.ToDouble(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    /// <summary>Seconds from the first Processing to the last Succeeded state of the jobs the filter selects.</summary>
    private static async Task<double> DrainSecondsAsync(string cs, string jobFilter)
    {
        await using var connection = new NpgsqlConnection(cs);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"""
            /*bench*/ SELECT EXTRACT(EPOCH FROM max(s.createdat) FILTER (WHERE s.name = 'Succeeded') - min(s.createdat) FILTER (WHERE s.name = 'Processing'))
            FROM hangfire.state s JOIN hangfire.job j ON j.id = s.jobid
            WHERE {jobFilter}
            """, connection);
        return Convert.ToDouble(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    // ---------------------------------------------------------------- bulk path (reminders)

    /// <summary>Due booking reminders, one per chat, dispatched by the recurring batch job.</summary>
    public async Task<List<Figure>> RemindersAsync(string scenario, int count, bool enforceLimits, int chats)
    {
        var cs = await cluster.CreateDatabaseAsync();
        await using var telegram = await FakeTelegramServer.StartAsync();
        if (enforceLimits) telegram.EnforceLimits(30, TimeSpan.FromSeconds(1));
        await using var worker = await BenchWorker.StartAsync(cluster.RepositoryDirectory,
            Settings(cs, telegram, enforceLimits ? null : Unlimited));
        await SeedRemindersAsync(cs, count, chats, chatBase: 5_000_000);

        await StatementCounter.ResetAsync(cs);
        var clock = Stopwatch.StartNew();
        new RecurringJobManager(Storage(cs)).Trigger("delivery-dispatch");
        await WaitForAsync(() => telegram.Delivered.Count >= count, TimeSpan.FromMinutes(20), $"{scenario}: not every reminder arrived", poll: 100);
        var elapsed = clock.Elapsed;
        await WaitForAsync(async () => await ScalarAsync(cs, "/*bench*/ SELECT count(*) FROM delivery_messages WHERE state = 'sent' AND booking_id IS NOT NULL") >= count, TimeSpan.FromMinutes(2), $"{scenario}: not every send was recorded");
        var statements = await StatementCounter.CountAsync(cs) / (double)count;
        var delivered = telegram.Delivered.ToList();
        var span = (delivered.Max(d => d.At) - delivered.Min(d => d.At)).TotalSeconds;
        var rate = count / elapsed.TotalSeconds;
        // Every reminder is one message: anything Telegram got beyond the reminders is a duplicate.
        var duplicates = delivered.Count - count;
        var peak = worker.Memory().PeakRssMb;
        Charts.PerSecond($"{scenario}-per-second", $"{scenario}: {count:N0} reminders to {chats:N0} chats{(enforceLimits ? ", the fake enforcing 30/s and 1/s per chat" : "")}",
            ("delivered", delivered.Select(d => d.At).ToList()), ("429 answered", telegram.TooManyRequestsAt));
        var figures = new List<Figure>();
        if (enforceLimits)
        {
            var sustained = (count - 1) / span;
            var chatTooSoon = delivered.GroupBy(d => d.ChatId).Count(g => g.OrderBy(d => d.At).Zip(g.OrderBy(d => d.At).Skip(1)).Any(p => p.Second.At - p.First.At < TimeSpan.FromSeconds(1)));
            figures.Add(new(scenario, "delivered/s (first → last message)", sustained, "/s", "≥ 28", sustained >= 28));
            figures.Add(new(scenario, "delivered/s (trigger → last message)", rate, "/s"));
            figures.Add(new(scenario, "429s received", telegram.TooManyRequests, "", "0", telegram.TooManyRequests == 0));
            figures.Add(new(scenario, "chats with 2 messages within 1 s", chatTooSoon, "", "0", chatTooSoon == 0));
        }
        else
        {
            figures.Add(new(scenario, "msgs/s (trigger → last message)", rate, "/s", "≥ 2000", rate >= 2000));
            figures.Add(new(scenario, "msgs/s (first → last message)", (count - 1) / span, "/s"));
            figures.Add(new(scenario, "statements/message", statements, ""));
            figures.Add(new(scenario, "peak RSS", peak, "MB", "≤ 250", peak <= 250));
        }
        figures.Add(new(scenario, "messages", count, ""));
        figures.Add(new(scenario, "duplicates", duplicates, "", "0", duplicates == 0));
        return figures;
    }

    /// <summary>
    /// WB events (new orders, buyouts… fanned out to the cabinet's users) through the ledger's dispatcher:
    /// <paramref name="count"/> pending messages to distinct chats, one dispatch run triggered,
    /// limits off like the other throughput scenarios.
    /// </summary>
    public async Task<List<Figure>> WbEventsAsync(int count)
    {
        const string scenario = "wb-events";
        var cs = await cluster.CreateDatabaseAsync();
        await using var telegram = await FakeTelegramServer.StartAsync();
        await using var worker = await BenchWorker.StartAsync(cluster.RepositoryDirectory, Settings(cs, telegram, Unlimited));
        await SeedWbEventsAsync(cs, count, chatBase: 6_000_000);

        await StatementCounter.ResetAsync(cs);
        var clock = Stopwatch.StartNew();
        new RecurringJobManager(Storage(cs)).Trigger("delivery-dispatch");
        await WaitForAsync(() => telegram.Delivered.Count >= count, TimeSpan.FromMinutes(20), $"{scenario}: not every notification arrived", poll: 100);
        var elapsed = clock.Elapsed;
        await WaitForAsync(async () => await ScalarAsync(cs, "/*bench*/ SELECT count(*) FROM delivery_messages WHERE state = 'sent' AND cabinet_id IS NOT NULL") >= count, TimeSpan.FromMinutes(2), $"{scenario}: not every send was recorded");
        var statements = await StatementCounter.CountAsync(cs) / (double)count;
        var delivered = telegram.Delivered.ToList();
        var span = (delivered.Max(d => d.At) - delivered.Min(d => d.At)).TotalSeconds;
        var rate = count / elapsed.TotalSeconds;
        var peak = worker.Memory().PeakRssMb;
        return
        [
            new(scenario, "msgs/s (trigger → last message)", rate, "/s", "≥ 2000", rate >= 2000),
            new(scenario, "msgs/s (first → last message)", (count - 1) / span, "/s"),
            new(scenario, "statements/message", statements, ""),
            new(scenario, "peak RSS", peak, "MB", "≤ 250", peak <= 250),
            new(scenario, "messages", count, ""),
            new(scenario, "duplicates", delivered.Count - count, "", "0", delivered.Count == count),
        ];
    }

    /// <summary><paramref name="count"/> pending WB «new order» events of one cabinet, due now, each to its own chat.</summary>
    private static async Task SeedWbEventsAsync(string cs, int count, long chatBase)
    {
        await using var connection = new NpgsqlConnection(cs);
        await connection.OpenAsync();
        await using var seed = new NpgsqlCommand("""
            /*bench*/ INSERT INTO wb_cabinets (api_key_encrypted, api_key_hash, state, history_from, created_at, updated_at, initial_sync_completed_at)
            VALUES ('bench', 'bench', 'active', now(), now(), now(), now());
            INSERT INTO delivery_messages (cabinet_id, chat_id, kind, event_key, dedup_key, text, state, due_at, next_attempt_at, created_at)
            SELECT (SELECT min(id) FROM wb_cabinets), (@base + i)::text, 'new_order', 'order:' || i, md5('bench-wb:' || i),
                   '🛒 <b>Новый заказ</b> №' || i || E'\nТовар: Кроссовки беговые, размер 42\nСумма: 4 990 ₽', 'pending', now(), now(), now()
            FROM generate_series(1, @count) AS i;
            ANALYZE delivery_messages;
            """, connection) { CommandTimeout = 600 };
        seed.Parameters.AddWithValue("count", count);
        seed.Parameters.AddWithValue("base", chatBase);
        await seed.ExecuteNonQueryAsync();
    }

    // ---------------------------------------------------------------- priority classes at the bot's limit (issue 25 §3)

    /// <summary>
    /// What a mechanic feels while a WB backlog drains: 3 worker processes on one database (production
    /// settings: the bot's budget of 28.5/s, bulk horizon 0.5 s), the fake enforcing Telegram's limits,
    /// <paramref name="events"/> WB events (bulk) pending and drained by the replicas' dispatch runs, and a
    /// status change a second through the API (round robin over the replicas) for as long as the backlog
    /// lasts. For each status change: PATCH → the fake Bot API receiving the mechanic's message.
    /// </summary>
    public async Task<List<Figure>> PriorityAsync(int events)
    {
        const string scenario = "priority";
        var cs = await cluster.CreateDatabaseAsync();
        await using var telegram = await FakeTelegramServer.StartAsync();
        telegram.EnforceLimits(30, TimeSpan.FromSeconds(1));
        // Enough orders for a status change a second over the whole drain at the bot's rate, with room.
        var maxChanges = events / 20 + 30;
        var workers = new List<BenchWorker>();
        try
        {
            for (var i = 0; i < 3; i++) workers.Add(await BenchWorker.StartAsync(cluster.RepositoryDirectory, Settings(cs, telegram)));
            var orders = await SeedOrdersAsync(cs, maxChanges, mechanics: maxChanges, chatBase: 7_000_000);
            var mechanicChats = orders.Select(o => o.ChatId).ToHashSet(StringComparer.Ordinal);
            // Warm-up (first JIT, first connections): one status change per replica, not measured.
            for (var i = 0; i < 3; i++) await PatchAsync(workers[i], orders[i].Id, "в работе");
            await WaitForAsync(() => telegram.Delivered.Count >= 3, TimeSpan.FromSeconds(60), "priority: warm-up messages did not arrive");

            await SeedWbEventsAsync(cs, events, chatBase: 6_000_000);
            int BulkDelivered() => telegram.Delivered.Count(d => d.ChatId is { } c && !mechanicChats.Contains(c));
            var jobs = new RecurringJobManager(Storage(cs));
            // A run per replica (a run that finds one going in its process leaves it and ends).
            for (var i = 0; i < 3; i++) jobs.Trigger("delivery-dispatch");
            await WaitForAsync(() => BulkDelivered() >= 30, TimeSpan.FromMinutes(2), "priority: the WB drain did not start", poll: 50);

            // A status change a second while at least two seconds of the backlog are left.
            var patched = new List<(string Chat, DateTimeOffset At)>();
            var clock = Stopwatch.StartNew();
            var requests = new List<Task>();
            for (var i = 3; i < orders.Count && events - BulkDelivered() > 60; i++)
            {
                var due = TimeSpan.FromSeconds(i - 3);
                if (due > clock.Elapsed) await Task.Delay(due - clock.Elapsed);
                patched.Add((orders[i].ChatId, DateTimeOffset.UtcNow));
                requests.Add(PatchAsync(workers[i % 3], orders[i].Id, "в работе"));
            }
            await Task.WhenAll(requests);
            var expected = events + 3 + patched.Count;
            await WaitForAsync(() => telegram.Delivered.Count >= expected, TimeSpan.FromMinutes(20), "priority: not every message arrived", poll: 100);
            // Anything late (a duplicate) has a moment to show up.
            await Task.Delay(TimeSpan.FromSeconds(2));

            var delivered = telegram.Delivered.ToList();
            var arrivals = delivered.Where(d => d.ChatId is not null).GroupBy(d => d.ChatId!).ToDictionary(g => g.Key, g => g.Min(d => d.At));
            var latencies = patched.Select(p => (arrivals[p.Chat] - p.At).TotalMilliseconds).Order().ToArray();
            var wanted = orders.Take(3 + patched.Count).Select(o => o.ChatId).Concat(Enumerable.Range(1, events).Select(i => (6_000_000 + i).ToString(CultureInfo.InvariantCulture))).ToHashSet();
            var lost = wanted.Count(c => !arrivals.ContainsKey(c));
            var duplicates = delivered.Count - delivered.Select(d => d.ChatId).Distinct().Count();
            var bulkTimes = delivered.Where(d => d.ChatId is { } c && !mechanicChats.Contains(c)).Select(d => d.At).ToList();
            var bulkSpan = (bulkTimes.Max() - bulkTimes.Min()).TotalSeconds;

            Charts.PerSecond("priority-per-second", $"priority: {events:N0} WB events draining on 3 replicas, a status change a second, the fake enforcing 30/s and 1/s per chat",
                ("WB events (bulk)", bulkTimes),
                ("status changes (high)", delivered.Where(d => d.ChatId is { } c && mechanicChats.Contains(c)).Select(d => d.At).ToList()),
                ("429 answered", telegram.TooManyRequestsAt));
            Charts.Distribution("priority-latency", $"priority: status change → mechanic while {events:N0} WB events drain", "ms", latencies);
            var p99 = Percentile(latencies, 99);
            return
            [
                new(scenario, "status change → mechanic p50", Percentile(latencies, 50), "ms"),
                new(scenario, "status change → mechanic p99", p99, "ms", "≤ 2000", p99 <= 2000),
                new(scenario, "status change → mechanic max", latencies[^1], "ms"),
                new(scenario, "status changes during the drain", latencies.Length, ""),
                new(scenario, "WB events delivered/s (first → last)", (bulkTimes.Count - 1) / bulkSpan, "/s"),
                new(scenario, "429s received", telegram.TooManyRequests, "", "0", telegram.TooManyRequests == 0),
                new(scenario, "lost", lost, "", "0", lost == 0),
                new(scenario, "duplicates", duplicates, "", "0", duplicates == 0),
            ];
        }
        finally
        {
            foreach (var worker in workers) await worker.DisposeAsync();
        }
    }

    // ---------------------------------------------------------------- 3. under Telegram's limits, one job per message

    /// <remarks>
    /// Like the pipeline scenario, the status changes are made first with the worker's Hangfire server
    /// off and then drained, so the figure is the delivery path under the limits, not the 2 cores shared
    /// with a flood of PATCH requests (PATCHes arriving during delivery slowed it more than the limits did).
    /// </remarks>
    public async Task<List<Figure>> LimitsAsync()
    {
        var chats = options.Quick ? 30 : 300;
        var count = chats * 10;
        var cs = await cluster.CreateDatabaseAsync();
        await using var telegram = await FakeTelegramServer.StartAsync();
        telegram.EnforceLimits(30, TimeSpan.FromSeconds(1));
        await using (var enqueuer = await BenchWorker.StartAsync(cluster.RepositoryDirectory, Settings(cs, telegram, new Dictionary<string, string?> { ["Hangfire:ServerEnabled"] = "false" })))
        {
            var orders = await SeedOrdersAsync(cs, count, mechanics: chats, chatBase: 4_000_000);
            await PatchAllAsync(enqueuer, orders, "в работе", 16);
        }

        var clock = Stopwatch.StartNew();
        await using var worker = await BenchWorker.StartAsync(cluster.RepositoryDirectory, Settings(cs, telegram));
        await WaitForAsync(() => telegram.Delivered.Count >= count, TimeSpan.FromMinutes(10), "limits: not every message arrived", poll: 100);
        var elapsed = clock.Elapsed;
        var delivered = telegram.Delivered.ToList();
        var first = delivered.Min(d => d.At);
        var span = (delivered.Max(d => d.At) - first).TotalSeconds;
        var sustained = (count - 1) / span;
        // Where the time goes: arrivals per 5 s from the first message (stderr, for tuning).
        Console.Error.WriteLine("limits timeline (messages per 5 s): " + string.Join(' ', delivered
            .GroupBy(d => (int)((d.At - first).TotalSeconds / 5)).OrderBy(g => g.Key).Select(g => g.Count())));
        var chatTooSoon = delivered.GroupBy(d => d.ChatId).Count(g => g.OrderBy(d => d.At).Zip(g.OrderBy(d => d.At).Skip(1)).Any(p => p.Second.At - p.First.At < TimeSpan.FromSeconds(1)));
        var busiestSecond = delivered.Select(d => d.At).Order().ToList() is var times
            ? Enumerable.Range(0, times.Count).Max(i => times.Skip(i).TakeWhile(t => t - times[i] < TimeSpan.FromSeconds(1)).Count())
            : 0;
        var duplicates = count - delivered.Select(d => d.Text).Distinct().Count();
        Charts.PerSecond("limits-per-second", $"limits: {count:N0} status changes to {chats} chats, the fake enforcing 30/s and 1/s per chat",
            ("delivered", delivered.Select(d => d.At).ToList()), ("429 answered", telegram.TooManyRequestsAt));
        return
        [
            new("limits", "delivered/s (first → last message)", sustained, "/s", "≥ 28", sustained >= 28),
            new("limits", "delivered/s (worker start → last message)", count / elapsed.TotalSeconds, "/s"),
            new("limits", "429s received", telegram.TooManyRequests, "", "0", telegram.TooManyRequests == 0),
            new("limits", "most messages within one second", busiestSecond, "", "≤ 30", busiestSecond <= 30),
            new("limits", "chats with 2 messages within 1 s", chatTooSoon, "", "0", chatTooSoon == 0),
            new("limits", "messages / chats", count, $"/ {chats}"),
            new("limits", "duplicates", duplicates, "", "0", duplicates == 0),
        ];
    }

    // ---------------------------------------------------------------- reminders on time (issue 25)

    /// <summary>
    /// What a booking's user feels: <paramref name="count"/> start reminders due evenly across
    /// <paramref name="window"/>, each booking made through the API <paramref name="ahead"/> before its
    /// reminder is due (so bookings keep coming in while reminders go out), each user with a chat of their
    /// own. For each reminder: the time from its due time to the fake Bot API receiving it. The worker keeps
    /// its production settings (the bot's budget, the every-minute dispatch cron), the fake enforces
    /// Telegram's limits. Nothing may arrive early, be lost or arrive twice.
    /// </summary>
    public async Task<List<Figure>> RemindersOnTimeAsync(int count, TimeSpan window, TimeSpan ahead)
    {
        const string scenario = "reminders-on-time";
        var cs = await cluster.CreateDatabaseAsync();
        await using var telegram = await FakeTelegramServer.StartAsync();
        telegram.EnforceLimits(30, TimeSpan.FromSeconds(1));
        await using var worker = await BenchWorker.StartAsync(cluster.RepositoryDirectory, Settings(cs, telegram));
        const int warmUp = 10;
        var users = await SeedBookingUsersAsync(cs, count + warmUp, chatBase: 9_000_000);

        // Warm-up (not measured): a few reminders due in five seconds, so the first measured pass is not the first JIT.
        var warmDue = Millis(DateTimeOffset.UtcNow.AddSeconds(5));
        await Task.WhenAll(users.Take(warmUp).Select(u => BookAsync(worker, u.Id, warmDue)));
        await WaitForAsync(() => telegram.Delivered.Count >= warmUp, TimeSpan.FromSeconds(60), $"{scenario}: warm-up reminders did not arrive");

        var measured = users.Skip(warmUp).ToList();
        var first = Millis(DateTimeOffset.UtcNow + ahead + TimeSpan.FromSeconds(2));
        var due = Enumerable.Range(0, count).Select(i => Millis(first + window * i / count)).ToArray();
        var writes = new List<Task>(count);
        using (var gate = new SemaphoreSlim(8))
        {
            for (var i = 0; i < count; i++)
            {
                var wait = due[i] - ahead - DateTimeOffset.UtcNow;
                if (wait > TimeSpan.Zero) await Task.Delay(wait);
                if (due[i] - DateTimeOffset.UtcNow < TimeSpan.FromSeconds(1))
                    throw new InvalidOperationException($"{scenario}: booking {i} could not be written ahead of its reminder (the machine is too busy)");
                await gate.WaitAsync();
                var index = i;
                writes.Add(Task.Run(async () =>
                {
                    try { await BookAsync(worker, measured[index].Id, due[index]); }
                    finally { gate.Release(); }
                }));
            }
            await Task.WhenAll(writes);
        }
        var last = due[^1];
        await WaitForAsync(() => telegram.Delivered.Count >= count + warmUp || DateTimeOffset.UtcNow > last + TimeSpan.FromMinutes(2),
            TimeSpan.FromMinutes(5) + (last - DateTimeOffset.UtcNow), $"{scenario}: waiting for the reminders", poll: 250);
        await Task.Delay(TimeSpan.FromSeconds(2)); // anything sent twice would arrive by now

        var byChat = telegram.Delivered.GroupBy(d => d.ChatId!).ToDictionary(g => g.Key, g => g.OrderBy(d => d.At).ToList());
        var latencies = new List<double>(count);
        int lost = 0, duplicates = 0, early = 0;
        for (var i = 0; i < count; i++)
        {
            if (!byChat.TryGetValue(measured[i].ChatId, out var arrivals))
            {
                lost++;
                continue;
            }
            duplicates += arrivals.Count - 1;
            var late = (arrivals[0].At - due[i]).TotalMilliseconds;
            if (late < 0) early++;
            latencies.Add(late);
        }
        var sorted = latencies.Order().ToArray();
        double p50 = Percentile(sorted, 50), p99 = Percentile(sorted, 99);
        Charts.Distribution(scenario, $"{scenario}: {count:N0} reminders due across {window.TotalMinutes:0} min, due time → the fake Bot API", "ms late", sorted);
        return
        [
            new(scenario, "due → received, p50", p50, "ms", "≤ 1000", p50 <= 1000),
            new(scenario, "due → received, p95", Percentile(sorted, 95), "ms"),
            new(scenario, "due → received, p99", p99, "ms", "≤ 2000", p99 <= 2000),
            new(scenario, "due → received, max", sorted[^1], "ms"),
            new(scenario, "reminders", count, $"over {window.TotalSeconds:0} s"),
            new(scenario, "lost", lost, "", "0", lost == 0),
            new(scenario, "duplicates", duplicates, "", "0", duplicates == 0),
            new(scenario, "received before their time", early, "", "0", early == 0),
            new(scenario, "429s received", telegram.TooManyRequests, ""),
        ];
    }

    /// <summary>A time cut to whole milliseconds (what the API's timestamps carry here).</summary>
    private static DateTimeOffset Millis(DateTimeOffset at) => at.AddTicks(-(at.UtcTicks % TimeSpan.TicksPerMillisecond));

    /// <summary>A booking from <paramref name="start"/>, an hour long: its start reminder is due at <paramref name="start"/> (the end's is an hour later).</summary>
    private static async Task BookAsync(BenchWorker worker, int userId, DateTimeOffset start)
    {
        var body = new
        {
            userId,
            resourceName = "Подъёмник №" + (userId % 7 + 1).ToString(CultureInfo.InvariantCulture),
            startTime = start.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            endTime = start.AddHours(1).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        };
        using var response = await worker.Http.PostAsJsonAsync("/api/bookings", body);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"POST /api/bookings answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    private sealed record BookingUser(int Id, string ChatId);

    /// <summary>Booking users, each with a chat of their own.</summary>
    private static async Task<List<BookingUser>> SeedBookingUsersAsync(string cs, int count, long chatBase)
    {
        await using var connection = new NpgsqlConnection(cs);
        await connection.OpenAsync();
        await using (var command = new NpgsqlCommand("""
            /*bench*/ INSERT INTO booking_users (telegram_id, name, created_at)
            SELECT (@base + i)::text, 'Клиент ' || i, now() FROM generate_series(1, @count) AS i;
            ANALYZE booking_users;
            """, connection))
        {
            command.Parameters.AddWithValue("base", chatBase);
            command.Parameters.AddWithValue("count", count);
            await command.ExecuteNonQueryAsync();
        }
        var users = new List<BookingUser>(count);
        await using var select = new NpgsqlCommand("/*bench*/ SELECT id, telegram_id FROM booking_users ORDER BY id", connection);
        await using var reader = await select.ExecuteReaderAsync();
        while (await reader.ReadAsync()) users.Add(new BookingUser(reader.GetInt32(0), reader.GetString(1)));
        return users;
    }

    // ---------------------------------------------------------------- 6. idle

    public async Task<List<Figure>> IdleAsync()
    {
        var seconds = options.Quick ? 10 : 60;
        var cs = await cluster.CreateDatabaseAsync();
        await using var telegram = await FakeTelegramServer.StartAsync();
        await using var worker = await BenchWorker.StartAsync(cluster.RepositoryDirectory, Settings(cs, telegram));
        // Let start-up settle (migrations, recurring job registration, first connections, tiered JIT).
        var settle = int.TryParse(Environment.GetEnvironmentVariable("FELIXHUB_BENCH_IDLE_SETTLE_SECONDS"), out var s) ? s : options.Quick ? 3 : 45;
        await Task.Delay(TimeSpan.FromSeconds(settle));
        await StatementCounter.ResetAsync(cs);
        var cpu0 = worker.CpuTime();
        var clock = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        var cpu = (worker.CpuTime() - cpu0).TotalSeconds / clock.Elapsed.TotalSeconds * 100;
        var statements = await StatementCounter.CountAsync(cs) / clock.Elapsed.TotalSeconds;
        var (rss, _) = worker.Memory();
        return
        [
            new("idle", "CPU (of one core)", cpu, "%", "≤ 2", cpu <= 2),
            new("idle", "statements/s", statements, "/s", "≤ 20", statements <= 20),
            new("idle", "RSS", rss, "MB"),
            new("idle", "seconds observed", seconds, "s"),
        ];
    }

    // ---------------------------------------------------------------- helpers

    private sealed record SeededOrder(int Id, string ChatId);

    /// <summary>Orders in «новый», each assigned to one of <paramref name="mechanics"/> mechanics (round robin), each mechanic its own chat.</summary>
    private static async Task<List<SeededOrder>> SeedOrdersAsync(string cs, int orders, int mechanics, long chatBase)
    {
        await using var connection = new NpgsqlConnection(cs);
        await connection.OpenAsync();
        await using (var command = new NpgsqlCommand("""
            /*bench*/ INSERT INTO mechanics (name, telegram_id, created_at)
            SELECT 'Механик ' || i, (@base + i)::text, now() FROM generate_series(1, @mechanics) AS i;
            INSERT INTO orders (car_number, category, parts, status, assigned_mechanic_id, created_at, updated_at, status_changed_at)
            SELECT 'А' || lpad(i::text, 3, '0') || 'ВС77', 'ТО', ARRAY['масляный фильтр', 'масло 5W-30'], 'новый',
                   (SELECT min(id) FROM mechanics) + (i - 1) % @mechanics, now(), now(), now()
            FROM generate_series(1, @orders) AS i;
            ANALYZE mechanics; ANALYZE orders;
            """, connection) { CommandTimeout = 600 })
        {
            command.Parameters.AddWithValue("base", chatBase);
            command.Parameters.AddWithValue("mechanics", mechanics);
            command.Parameters.AddWithValue("orders", orders);
            await command.ExecuteNonQueryAsync();
        }
        var result = new List<SeededOrder>(orders);
        await using var select = new NpgsqlCommand("/*bench*/ SELECT o.id, m.telegram_id FROM orders o JOIN mechanics m ON m.id = o.assigned_mechanic_id ORDER BY o.id", connection);
        await using var reader = await select.ExecuteReaderAsync();
        while (await reader.ReadAsync()) result.Add(new SeededOrder(reader.GetInt32(0), reader.GetString(1)));
        return result;
    }

    /// <summary>Due reminders («starts in an hour»), spread round robin over <paramref name="chats"/> users.</summary>
    private static async Task SeedRemindersAsync(string cs, int count, int chats, long chatBase)
    {
        await using var connection = new NpgsqlConnection(cs);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            /*bench*/ INSERT INTO booking_users (telegram_id, name, created_at)
            SELECT (@base + i)::text, 'Клиент ' || i, now() FROM generate_series(1, @chats) AS i;
            INSERT INTO bookings (user_id, resource_name, start_time, end_time, status, created_at)
            SELECT (SELECT min(id) FROM booking_users) + (i - 1) % @chats, 'Подъёмник ' || (i % 7 + 1),
                   now() + interval '50 minutes' + (i % 60) * interval '1 second', now() + interval '110 minutes', 'active', now()
            FROM generate_series(1, @count) AS i;
            INSERT INTO delivery_messages (booking_id, chat_id, kind, dedup_key, text, state, due_at, next_attempt_at, expires_at, created_at)
            SELECT b.id, u.telegram_id, 'BOOKING_1H', md5('bench-reminder:' || b.id),
                   '⏰ <b>Через час начинается бронь</b>' || E'\n' || b.resource_name || ', ' || to_char(b.start_time, 'DD.MM.YYYY HH24:MI'),
                   'pending', b.start_time - interval '1 hour', b.start_time - interval '1 hour', b.start_time, now()
            FROM bookings b JOIN booking_users u ON u.id = b.user_id;
            ANALYZE booking_users; ANALYZE bookings; ANALYZE delivery_messages;
            """, connection) { CommandTimeout = 600 };
        command.Parameters.AddWithValue("base", chatBase);
        command.Parameters.AddWithValue("chats", chats);
        command.Parameters.AddWithValue("count", count);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task PatchAllAsync(BenchWorker worker, IReadOnlyList<SeededOrder> orders, string status, int concurrency)
    {
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < orders.Count) await PatchAsync(worker, orders[i].Id, status);
        }));
    }

    private static async Task PatchAsync(BenchWorker worker, int orderId, string status)
    {
        using var response = await worker.Http.PatchAsJsonAsync($"/api/orders/{orderId.ToString(CultureInfo.InvariantCulture)}", new { status });
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"PATCH /api/orders/{orderId} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    private static PostgreSqlStorage Storage(string cs)
    {
        // EnableLongPolling makes this client NOTIFY the worker's waiting fetches, as the worker's own enqueues do.
        var o = new PostgreSqlStorageOptions { SchemaName = "hangfire", PrepareSchemaIfNecessary = false, EnableLongPolling = true };
        return new PostgreSqlStorage(new NpgsqlConnectionFactory(cs, o, null), o);
    }

    private static Task<long> SucceededAsync(string cs, string jobFilter) =>
        ScalarAsync(cs, $"/*bench*/ SELECT count(*) FROM hangfire.job j WHERE j.statename = 'Succeeded' AND {jobFilter}");

    private static async Task<long> ScalarAsync(string cs, string sql)
    {
        await using var connection = new NpgsqlConnection(cs);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    private static Task WaitForAsync(Func<bool> done, TimeSpan timeout, string failure, int poll = 20) =>
        WaitForAsync(() => Task.FromResult(done()), timeout, failure, poll);

    private static async Task WaitForAsync(Func<Task<bool>> done, TimeSpan timeout, string failure, int poll = 20)
    {
        var deadline = Stopwatch.StartNew();
        while (!await done())
        {
            if (deadline.Elapsed > timeout) throw new TimeoutException(failure);
            await Task.Delay(poll);
        }
    }

    private static double Median(List<double> values) => values.Count == 0 ? double.NaN : Percentile(values.Order().ToArray(), 50);

    /// <summary>Each order message's send job: the order id, the job's creation time and the time its Processing state was written.</summary>
    private static async Task<List<(int OrderId, DateTimeOffset Created, DateTimeOffset Processing)>> JobStagesAsync(string cs)
    {
        var result = new List<(int, DateTimeOffset, DateTimeOffset)>();
        await using var connection = new NpgsqlConnection(cs);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            /*bench*/ SELECT m.order_id::text, j.createdat, min(s.createdat)
            FROM hangfire.job j JOIN hangfire.state s ON s.jobid = j.id AND s.name = 'Processing'
            JOIN delivery_messages m ON m.id = trim(both '"' from j.arguments ->> 0)::bigint
            WHERE j.invocationdata ->> 'Type' LIKE '%DeliveryJob%' AND m.order_id IS NOT NULL
            GROUP BY j.id, m.order_id
            """, connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var raw = reader.GetString(0).Trim('"');
            if (int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var orderId))
                result.Add((orderId, reader.GetFieldValue<DateTimeOffset>(1), reader.GetFieldValue<DateTimeOffset>(2)));
        }
        return result;
    }

    private static double Percentile(double[] sorted, double p)
    {
        var rank = (int)Math.Ceiling(p / 100 * sorted.Length) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Length - 1)];
    }
}

/// <summary>
/// Counts the CPU a phase uses: the worker's, PostgreSQL's (process by process, see
/// <see cref="PostgresCpuByClient"/>), this process's (the fake Bot API), and the machine's busy and
/// total ticks (all cores, <c>/proc/stat</c>).
/// </summary>
internal sealed class CpuMeter
{
    private readonly BenchWorker worker;
    private readonly double worker0, bench0, busy0, total0;
    private readonly Dictionary<int, long> postgres0;

    private CpuMeter(BenchWorker worker)
    {
        this.worker = worker;
        postgres0 = PostgresCpuByClient.Ticks();
        worker0 = worker.CpuTime().TotalMilliseconds;
        bench0 = Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds;
        (busy0, total0) = MachineTicks();
    }

    public static CpuMeter Start(BenchWorker worker) => new(worker);

    /// <summary>What was used since <see cref="Start"/>.</summary>
    public async Task<CpuSplit> StopAsync(string cs)
    {
        var workerMs = worker.CpuTime().TotalMilliseconds - worker0;
        var benchMs = Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds - bench0;
        var (busy, total) = MachineTicks();
        return new(workerMs, await PostgresCpuByClient.SinceAsync(cs, postgres0), benchMs, busy - busy0, total - total0);
    }

    /// <summary>The machine's busy (not idle, not iowait) and total ticks: the first line of /proc/stat, cpu user nice system idle iowait irq softirq steal.</summary>
    private static (double Busy, double Total) MachineTicks()
    {
        var ticks = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8)
            .Select(t => double.Parse(t, CultureInfo.InvariantCulture)).ToArray();
        var total = ticks.Sum();
        return (total - ticks[3] - ticks[4], total);
    }
}

/// <summary>CPU milliseconds of one phase: the worker, PostgreSQL, this process; the machine's busy and total ticks.</summary>
internal readonly record struct CpuSplit(double Worker, PostgresCpuByClient Postgres, double Bench, double Busy, double Total)
{
    /// <summary>Share of the machine's CPU time (all cores) that was not idle or waiting for I/O, in %: whether a phase was CPU-bound.</summary>
    public double BusyPercent => Total > 0 ? Busy / Total * 100 : 0;
}

/// <summary>
/// PostgreSQL's CPU milliseconds during a phase, split by who asked for the work: the backends of the
/// worker's Hangfire connections (<c>felixhub-hangfire …</c>), of its application connections
/// (<c>felixhub</c>), and everything else (background processes, the bench's own queries). Counted
/// process by process, as the difference of each process's CPU time: a backend that ends during the
/// phase (an idle pooled connection pruned) is left out rather than taking its whole earlier CPU
/// time away from the sum, which is what summing all processes before and after did.
/// </summary>
internal readonly record struct PostgresCpuByClient(double Hangfire, double App, double Other)
{
    public double Total => Hangfire + App + Other;

    /// <summary>CPU ticks so far of every PostgreSQL process, by pid.</summary>
    public static Dictionary<int, long> Ticks()
    {
        var ticks = new Dictionary<int, long>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                if (!int.TryParse(Path.GetFileName(dir), out var pid) || File.ReadAllText(Path.Combine(dir, "comm")).Trim() != "postgres") continue;
                ticks[pid] = BenchWorker.StatTicks(File.ReadAllText(Path.Combine(dir, "stat")));
            }
            catch (IOException)
            {
                // The process ended meanwhile.
            }
        }
        return ticks;
    }

    /// <summary>The split of the CPU used since <paramref name="before"/>, by the application name each backend has now.</summary>
    public static async Task<PostgresCpuByClient> SinceAsync(string cs, Dictionary<int, long> before)
    {
        var now = Ticks();
        var names = new Dictionary<int, string>();
        await using (var connection = new NpgsqlConnection(cs))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("/*bench*/ SELECT pid, COALESCE(application_name, '') FROM pg_stat_activity WHERE backend_type = 'client backend'", connection);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync()) names[reader.GetInt32(0)] = reader.GetString(1);
        }
        double hangfire = 0, app = 0, other = 0;
        foreach (var (pid, ticks) in now)
        {
            var ms = (ticks - before.GetValueOrDefault(pid)) * 10.0;
            var name = names.GetValueOrDefault(pid, "");
            if (name.StartsWith("felixhub-hangfire", StringComparison.Ordinal)) hangfire += ms;
            else if (name == "felixhub") app += ms;
            else other += ms;
        }
        return new(hangfire, app, other);
    }
}

/// <summary>Command-line options of the benchmark.</summary>
/// <param name="Runs">Runs per scenario (the table shows medians).</param>
/// <param name="Quick">Smoke sizes: seconds instead of minutes.</param>
/// <param name="Messages">Messages in the pipeline and bulk scenarios.</param>
/// <param name="WorkerSettings">Extra worker settings (<c>--set Section:Key=value</c>), applied last: for tuning experiments.</param>
internal sealed record BenchOptions(int Runs, bool Quick, int Messages, IReadOnlyDictionary<string, string?> WorkerSettings);
