using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using FelixHub.Tests.Infrastructure;
using Npgsql;
using ScottPlot;

namespace FelixHub.Bench;

/// <summary>
/// Issue 25 §4, faults over time: 3 worker processes on one PostgreSQL with the stock
/// <c>max_connections = 100</c> (a cluster of its own), a fake Bot API enforcing Telegram's limits,
/// a fake WB, and mixed traffic at a steady, sustainable rate for the run's duration: status changes
/// through <c>PATCH /api/orders/{id}</c> (each order its own mechanic and chat), bookings through
/// <c>POST /api/bookings</c> whose start and end reminders fall due during the run (each booking its
/// own user and chat), a WB cabinet whose every sync finds new orders, cancellations, buyouts and
/// now and then a negative review, and office alerts (<c>POST /api/alerts</c>) to a few sockets on
/// <c>/ws</c>. At seeded random moments: <c>kill -9</c> of one replica (restarted at once), a
/// PostgreSQL restart (<c>pg_ctl restart -m fast</c>), a Telegram 5xx storm and a 429 storm (the fake
/// answering every send 502, or 429 with retry_after, for a while), and WB garbage pages (200 with
/// invalid JSON or the wrong shape). Then a drain, and the invariant check:
/// <list type="bullet">
/// <item>every message expected was delivered: each status change that was answered 200 reached its
/// mechanic's chat, each booking's start reminder reached its user, and every ledger row due by the
/// end of the drain is <c>sent</c> with a message the fake received (matched by Telegram's message id);</item>
/// <item>duplicates only where a kill left a send in flight: a message Telegram had accepted whose
/// <c>sent</c> had not been recorded when the process died (read from the ledger a second after the
/// kill); at most one extra copy each, and none anywhere else;</item>
/// <item>no Hangfire job left Processing, no ledger row pending past its due time;</item>
/// <item>RSS of each replica and the tables flat after warm-up (the last third of the run against the
/// middle third): per table, the bytes of its live rows per Telegram call (more rows per unit of work is
/// a leak) and the share of its heap in dead rows (vacuum falling behind is bloat), both read with
/// <c>pgstattuple</c>. A table's size on disk is charted and reported but not judged: PostgreSQL extends a
/// table that several sessions insert into by up to 512 pages at once and fills them later, so its size
/// moves in steps that say nothing about the work. The bounded tables (jobs waiting, locks, servers, counters) must
/// stay small, and are judged on their most live rows in a third.</item>
/// </list>
/// It prints a timeline of the faults with what each cost, and writes charts beside the JSON.
/// Bounded: loopback only, fixed rates, every wait has a deadline.
/// </summary>
internal sealed class SoakBenchmark(DeliveryBenchmarks delivery, TimeSpan duration, int seed)
{
    private const string Scenario = "soak";
    private const int Replicas = 3;
    private const double StatusChangesPerSecond = 4;
    private static readonly TimeSpan BookingEvery = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan BookAhead = TimeSpan.FromSeconds(20);
    // An hour, like a real booking: its start reminder stays useful (expires_at is the end) for the whole run, so
    // a fault makes it late, not pointless; its end reminder falls after the run and is not counted.
    private static readonly TimeSpan BookingLength = TimeSpan.FromHours(1);
    private static readonly TimeSpan WbChangeEvery = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan AlertEvery = TimeSpan.FromSeconds(5);
    private const int WbSyncIntervalSeconds = 10;
    private const int StormRetryAfterSeconds = 5;
    private const string OfficeUserPrefix = "soak-office-";
    private const int OfficeUsers = 2;
    private const int SocketsPerUser = 2;

    /// <summary>RSS judged flat when the median of the last third is at most this much above the middle third's.</summary>
    private const double RssTolerance = 0.15;

    /// <summary>A table's live rows judged flat when the last third adds at most this many times as many bytes of them per Telegram call as the middle third did (plus <see cref="LiveSlackBytes"/>).</summary>
    private const double GrowthTolerance = 1.5;

    /// <summary>Bytes of live rows a table may add in the last third beyond the tolerance: a few rows of a slow, bursty kind (a WB review, a sync log).</summary>
    private const double LiveSlackBytes = 32_768;

    /// <summary>
    /// A table's dead rows judged flat when their median share of its heap in the last third is at most this,
    /// or at most the middle third's plus <see cref="DeadShareRise"/>. Autovacuum starts on a table once a fifth
    /// of its rows are dead (<c>autovacuum_vacuum_scale_factor</c> 0.2), so a share that stays near or under
    /// that is vacuum keeping up; one that climbs third after third is bloat.
    /// </summary>
    private const double DeadShareCeiling = 0.25;

    private const double DeadShareRise = 0.10;

    /// <summary>Dead share judged only on heaps this big at the end: in a smaller one a handful of rows is the whole share.</summary>
    private const long DeadShareMinHeapBytes = 256 * 1024;

    private static readonly string[] Tables =
    [
        "delivery_messages", "notification_logs", "orders", "order_status_changes", "bookings",
        "inbox_notifications", "inbox_recipients", "wb_orders", "wb_sales", "wb_reviews", "wb_sync_logs", "notification_history",
        "hangfire.job", "hangfire.state", "hangfire.jobparameter", "hangfire.jobqueue", "hangfire.lock", "hangfire.counter", "hangfire.hash", "hangfire.set", "hangfire.server",
    ];

    /// <summary>
    /// Tables kept bounded whatever the traffic (jobs waiting, locks, servers, and Hangfire's counters, which its
    /// storage folds into one row per key every few minutes): judged on their most live rows in a third rather
    /// than on growth per unit of work.
    /// </summary>
    private static readonly string[] BoundedTables = ["hangfire.jobqueue", "hangfire.lock", "hangfire.server", "hangfire.counter"];

    private readonly Stopwatch clock = new();
    private DateTimeOffset started;
    private readonly Slot[] slots = Enumerable.Range(0, Replicas).Select(i => new Slot(i)).ToArray();
    private readonly ConcurrentQueue<(double At, string What)> apiRetries = new();
    private readonly ConcurrentQueue<(DateTimeOffset At, int Code)> stormReplies = new();
    private volatile int stormMode; // 0 none, 502 or 429
    private string cs = "";
    private Random random = new(seed);

    private double Now => clock.Elapsed.TotalSeconds;

    /// <summary>
    /// Whether "flat after warm-up" gets a verdict: only in runs of 10 minutes or more. In a shorter run the
    /// thirds are a few tens of seconds, each holds a fault or a storm's backlog, and a third against
    /// another says more about where the faults fell than about a leak; the figures are still reported.
    /// </summary>
    private bool Judged => duration >= TimeSpan.FromMinutes(10);

    private readonly ConcurrentBag<int> killedPids = [];

    /// <summary>
    /// Jobs left Processing: in that state for over a minute (no job of the worker runs that long here; a
    /// recurring job caught mid-run is not stuck), or on a worker process that was killed (its server id
    /// names the pid): such a job stays Processing until the invisibility timeout hands it to another worker.
    /// </summary>
    private string StuckProcessingSql => $"""
        /*bench*/ SELECT count(*) FROM hangfire.job j JOIN hangfire.state s ON s.id = j.stateid
        WHERE j.statename = 'Processing' AND (s.createdat < now() - interval '1 minute'
          OR s.data::text LIKE ANY (ARRAY['-'{string.Concat(killedPids.Select(p => $", '%:{p.ToString(CultureInfo.InvariantCulture)}:%'"))}]))
        """;

    private double At(DateTimeOffset t) => (t - started).TotalSeconds;

    public async Task<List<Figure>> RunAsync()
    {
        random = new Random(seed);
        Console.Error.WriteLine($"    soak: seed {seed} (repeat with --seed {seed}), {duration.TotalMinutes:0.#} min of traffic, load {WbSyncBenchmark.Load()}");
        await using var cluster = await BenchDatabase.StartAsync("-c max_connections=100", "-soak");
        cs = await cluster.CreateDatabaseAsync();
        var maxConnections = await ScalarAsync("/*bench*/ SELECT current_setting('max_connections')::bigint");

        await using var telegram = await FakeTelegramServer.StartAsync();
        telegram.EnforceLimits(30, TimeSpan.FromSeconds(1));
        telegram.Respond(call =>
        {
            if (call.ChatId is null) return null;
            switch (stormMode)
            {
                case 502:
                    stormReplies.Enqueue((call.At, 502));
                    return FakeReply.BadGateway;
                case 429:
                    stormReplies.Enqueue((call.At, 429));
                    return FakeReply.TooManyRequests(StormRetryAfterSeconds);
                default:
                    return null;
            }
        });
        await using var wb = await BenchWbApi.StartAsync();
        var wbToken = wb.AddSeller(200, 200);

        var extra = new Dictionary<string, string?>
        {
            ["Wildberries:StatisticsBaseUrl"] = wb.BaseUrl,
            ["Wildberries:FeedbacksBaseUrl"] = wb.BaseUrl,
            ["Wildberries:AnalyticsBaseUrl"] = wb.BaseUrl,
            ["Wildberries:ContentBaseUrl"] = wb.BaseUrl,
            // WB's own rate limits off (the fake has none); a sync every 10 s so a run sees many.
            ["Wildberries:StatisticsIntervalSeconds"] = "0",
            ["Wildberries:BaseTokenOrdersIntervalSeconds"] = "0",
            ["Wildberries:BaseTokenSalesIntervalSeconds"] = "0",
            ["Wildberries:FeedbacksIntervalSeconds"] = "0",
            ["Wildberries:AnalyticsIntervalSeconds"] = "0",
            ["Wildberries:ContentIntervalSeconds"] = "0",
            ["Wildberries:SyncIntervalSeconds"] = WbSyncIntervalSeconds.ToString(CultureInfo.InvariantCulture),
        };
        for (var u = 0; u < OfficeUsers; u++) extra[$"Inbox:OfficeUserIds:{u.ToString(CultureInfo.InvariantCulture)}"] = OfficeUser(u);
        // The workers get the connection string without the benchmark's Maximum Pool Size: a size written
        // there would set both of a worker's pools (docs/database-connections.md), and the replicas are to
        // run on their own defaults against the stock max_connections.
        var workerCs = new NpgsqlConnectionStringBuilder(cs);
        workerCs.Remove("Maximum Pool Size");
        var settings = delivery.Settings(workerCs.ConnectionString, telegram, extra);

        var seconds = duration.TotalSeconds;
        var orderCount = (int)Math.Ceiling(seconds * StatusChangesPerSecond) + 10;
        var bookingCount = (int)Math.Ceiling(seconds / BookingEvery.TotalSeconds) + 10;
        var sockets = new List<SoakSocket>();
        using var stop = new CancellationTokenSource();
        try
        {
            // One after the other (the first migrates); then the data the traffic uses.
            for (var r = 0; r < Replicas; r++)
            {
                slots[r].Worker = await BenchWorker.StartAsync(cluster.RepositoryDirectory, settings);
                slots[r].Pids.Add((0, slots[r].Worker!.Pid));
            }
            var orders = await SeedOrdersAsync(orderCount);
            var users = await SeedBookingUsersAsync(bookingCount);
            const string sellerChat = "13000001";
            var cabinetId = await RegisterCabinetAsync(sellerChat, wbToken);

            // Sockets: each office user on two replicas.
            for (var i = 0; i < OfficeUsers * SocketsPerUser; i++) sockets.Add(new SoakSocket(OfficeUser(i / SocketsPerUser), i % Replicas));
            foreach (var s in sockets) _ = s.RunAsync(this, stop.Token);

            clock.Start();
            started = DateTimeOffset.UtcNow;
            var trafficEnd = duration;
            var faults = Schedule();
            var samples = new List<Sample>();
            using var samplerStop = new CancellationTokenSource();
            var sampler = SampleAsync(samples, samplerStop.Token);

            var statusChanges = new ConcurrentBag<StatusChange>();
            var bookings = new ConcurrentBag<Booking>();
            var alerts = new ConcurrentBag<Alert>();
            var wbChanges = 0;
            var traffic = new List<Task>
            {
                Every(TimeSpan.FromSeconds(1 / StatusChangesPerSecond), trafficEnd, i => i < orders.Count ? PatchAsync(orders[i], statusChanges) : Task.CompletedTask),
                Every(BookingEvery, trafficEnd, i => i < users.Count ? BookAsync(users[i], bookings) : Task.CompletedTask),
                Every(WbChangeEvery, trafficEnd, async i =>
                {
                    // 4 rows: 2 cancellations, 1 new order, 1 new buyout; a 2★ review every third time.
                    using var http = new HttpClient();
                    using var response = await http.PostAsync($"{wb.BaseUrl}/_bench/change?token={Uri.EscapeDataString(wbToken)}&rows=4", null);
                    response.EnsureSuccessStatusCode();
                    if (i % 3 == 0) wb.AddFeedback(wbToken, 2);
                    Interlocked.Increment(ref wbChanges);
                }),
                Every(AlertEvery, trafficEnd, i => AlertAsync(i, alerts)),
            };
            var faultRun = RunFaultsAsync(faults, cluster, settings, telegram, wb);
            await Task.WhenAll(traffic);
            await faultRun;
            var trafficSeconds = Now;
            Console.Error.WriteLine($"    soak: traffic over at {trafficSeconds:0} s ({statusChanges.Count} status changes, {bookings.Count} bookings, {wbChanges} WB changes, {alerts.Count} alerts); draining");

            // Drain: until nothing is due and unsent, nothing Processing, every expected message in; bounded.
            var drainStart = Now;
            var drainDeadline = TimeSpan.FromMinutes(15);
            var drained = false;
            var drainClock = Stopwatch.StartNew();
            while (drainClock.Elapsed < drainDeadline)
            {
                var open = await ScalarAsync("/*bench*/ SELECT count(*) FROM delivery_messages WHERE state IN ('pending', 'sending') AND chat_id IS NOT NULL AND due_at <= now() + interval '1 minute'");
                var processing = await ScalarAsync(StuckProcessingSql);
                var bookingsDue = bookings.Where(b => b.Ok).All(b => b.Start < DateTimeOffset.UtcNow.AddSeconds(-5));
                if (open == 0 && processing == 0 && bookingsDue)
                {
                    drained = true;
                    break;
                }
                if ((int)drainClock.Elapsed.TotalSeconds % 30 == 0)
                    Console.Error.WriteLine($"    soak: draining, {open} ledger row(s) open, {processing} job(s) Processing for over a minute ({drainClock.Elapsed.TotalSeconds:0} s)");
                await Task.Delay(1000);
            }
            await Task.Delay(TimeSpan.FromSeconds(3)); // a copy sent twice arrives by now
            var drainSeconds = Now - drainStart;
            samplerStop.Cancel();
            await sampler;
            await stop.CancelAsync();

            return await CheckAsync(telegram, wb, faults, samples, statusChanges.ToList(), bookings.ToList(), alerts.ToList(), sockets,
                cabinetId, sellerChat, wbChanges, trafficSeconds, drainSeconds, drained, maxConnections);
        }
        finally
        {
            await stop.CancelAsync();
            foreach (var s in sockets) s.Dispose();
            foreach (var slot in slots)
                if (slot.Worker is { } w)
                    await w.DisposeAsync();
        }
    }

    // ------------------------------------------------------------------ faults

    private enum FaultKind { Kill, PostgresRestart, Telegram5xx, Telegram429, WbGarbage }

    private sealed class Fault(FaultKind kind, double plannedAt)
    {
        public FaultKind Kind { get; } = kind;
        public double PlannedAt { get; } = plannedAt;
        public double Start { get; set; }
        public double End { get; set; }
        public string Detail { get; set; } = "";
        public int Replica { get; set; } = -1;
        /// <summary>Kills: (chat, text) of the messages Telegram had accepted whose <c>sent</c> was not recorded a second after the kill.</summary>
        public HashSet<(string Chat, string Text)> InFlight { get; } = [];
        public int FakeInFlight { get; set; }
        public string Name => Kind switch
        {
            FaultKind.Kill => $"kill -9 replica {Replica}",
            FaultKind.PostgresRestart => "PostgreSQL restart",
            FaultKind.Telegram5xx => "Telegram 502 storm",
            FaultKind.Telegram429 => "Telegram 429 storm",
            _ => "WB garbage pages",
        };
    }

    /// <summary>
    /// Each kind once per 6 minutes of run (at least once), shuffled, one in each of equal slots between
    /// the warm-up (the first 15 %) and the last 20 % (left quiet: the baseline), at a random point of the slot's first 40 %.
    /// </summary>
    private List<Fault> Schedule()
    {
        var reps = Math.Max(1, (int)Math.Round(duration.TotalMinutes / 6));
        var kinds = Enumerable.Repeat(Enum.GetValues<FaultKind>(), reps).SelectMany(k => k).ToArray();
        random.Shuffle(kinds);
        double from = duration.TotalSeconds * 0.15, to = duration.TotalSeconds * 0.8;
        var slot = (to - from) / kinds.Length;
        return kinds.Select((k, i) => new Fault(k, from + i * slot + random.NextDouble() * slot * 0.4)).ToList();
    }

    private TimeSpan StormLength => duration.TotalMinutes >= 10 ? TimeSpan.FromSeconds(20) : TimeSpan.FromSeconds(10);

    private TimeSpan GarbageLength => TimeSpan.FromSeconds(WbSyncIntervalSeconds * 2.5);

    private async Task RunFaultsAsync(List<Fault> faults, BenchDatabase cluster, Dictionary<string, string?> settings, FakeTelegramServer telegram, BenchWbApi wb)
    {
        foreach (var fault in faults)
        {
            var wait = fault.PlannedAt - Now;
            if (wait > 0) await Task.Delay(TimeSpan.FromSeconds(wait));
            fault.Start = Now;
            Console.Error.WriteLine($"    soak: {fault.Start,6:0.0} s  {fault.Kind}");
            switch (fault.Kind)
            {
                case FaultKind.Kill:
                    await KillAndRestartAsync(fault, cluster, settings, telegram);
                    break;
                case FaultKind.PostgresRestart:
                    var restart = Stopwatch.StartNew();
                    await cluster.RestartAsync();
                    NpgsqlConnection.ClearAllPools();
                    fault.Detail = $"pg_ctl restart -m fast took {restart.Elapsed.TotalSeconds:0.0} s";
                    break;
                case FaultKind.Telegram5xx or FaultKind.Telegram429:
                    var code = fault.Kind == FaultKind.Telegram5xx ? 502 : 429;
                    var before = stormReplies.Count;
                    stormMode = code;
                    await Task.Delay(StormLength);
                    stormMode = 0;
                    fault.Detail = $"{StormLength.TotalSeconds:0} s of {code}{(code == 429 ? $" (retry_after {StormRetryAfterSeconds})" : "")}: {stormReplies.Count - before} answered";
                    break;
                case FaultKind.WbGarbage:
                    var served = wb.GarbageServed;
                    wb.Garbage = true;
                    await Task.Delay(GarbageLength);
                    wb.Garbage = false;
                    fault.Detail = $"{GarbageLength.TotalSeconds:0} s: {wb.GarbageServed - served} garbage page(s) served";
                    break;
            }
            fault.End = Now;
        }
    }

    /// <summary>
    /// <c>kill -9</c> of one replica; a second later the ledger is read: the messages the fake had
    /// accepted by the kill (arrived at or before it) whose rows are still <c>pending</c>/<c>sending</c>
    /// are the sends in flight that the dead process could not record. (A live replica's send is
    /// recorded within milliseconds of Telegram's answer, so after a second what is left is the dead
    /// one's.) Then the replica is started again.
    /// </summary>
    private async Task KillAndRestartAsync(Fault fault, BenchDatabase cluster, Dictionary<string, string?> settings, FakeTelegramServer telegram)
    {
        var slot = slots[random.Next(Replicas)];
        fault.Replica = slot.Index;
        var worker = slot.Worker!;
        var pid = worker.Pid;
        slot.Down = true;
        var killedAt = DateTimeOffset.UtcNow;
        fault.FakeInFlight = telegram.InFlight;
        using (var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-KILL", pid.ToString(CultureInfo.InvariantCulture) }, UseShellExecute = false })!)
            await kill.WaitForExitAsync();
        await Task.Delay(1000);
        var accepted = telegram.Delivered.Where(d => d.At <= killedAt).Select(Key).ToHashSet();
        try
        {
            foreach (var row in await OpenRowsAsync())
                if (accepted.Contains(row)) fault.InFlight.Add(row);
        }
        catch (NpgsqlException ex)
        {
            fault.Detail = "(ledger unreadable after the kill: " + ex.Message + ") ";
        }
        killedPids.Add(pid);
        await worker.DisposeAsync();
        slot.Worker = null;
        var restart = Stopwatch.StartNew();
        var fresh = await BenchWorker.StartAsync(cluster.RepositoryDirectory, settings);
        slot.Worker = fresh;
        slot.Pids.Add((Now, fresh.Pid));
        slot.Down = false;
        fault.Detail += $"pid {pid}; sends in flight at the kill: {fault.InFlight.Count} accepted by Telegram and unrecorded ({fault.FakeInFlight} calls open at the fake); restarted, healthy after {restart.Elapsed.TotalSeconds:0.0} s";
    }

    private async Task<List<(string Chat, string Text)>> OpenRowsAsync()
    {
        var rows = new List<(string, string)>();
        await using var connection = new NpgsqlConnection(cs);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("/*bench*/ SELECT chat_id, text FROM delivery_messages WHERE state IN ('pending', 'sending') AND chat_id IS NOT NULL", connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) rows.Add((reader.GetString(0), reader.GetString(1)));
        return rows;
    }

    private static (string Chat, string Text) Key(TelegramCall call) => (call.ChatId ?? "", call.Text ?? call.Body["caption"]?.ToString() ?? "");

    // ------------------------------------------------------------------ traffic

    private sealed class Slot(int index)
    {
        public int Index { get; } = index;
        public volatile BenchWorker? Worker;
        public volatile bool Down;
        /// <summary>The processes the slot ran, from when (seconds of the run).</summary>
        public List<(double From, int Pid)> Pids { get; } = [];
        public List<(double At, double RssMb)> Rss { get; } = [];
    }

    private sealed record SeededOrder(int Id, string ChatId);

    private sealed record BookingUser(int Id, string ChatId);

    private sealed record StatusChange(SeededOrder Order, DateTimeOffset First, bool Ok, int Attempts);

    private sealed record Booking(BookingUser User, DateTimeOffset Start, DateTimeOffset End, bool Ok, int Attempts);

    private sealed record Alert(int Index, Guid? Id, DateTimeOffset First, bool Ok);

    /// <summary>Runs <paramref name="action"/> every <paramref name="every"/> until <paramref name="until"/>, each call on its own (a slow one does not delay the next).</summary>
    private async Task Every(TimeSpan every, TimeSpan until, Func<int, Task> action)
    {
        var running = new List<Task>();
        for (var i = 0; ; i++)
        {
            var due = every * i;
            if (due >= until) break;
            var wait = due - clock.Elapsed;
            if (wait > TimeSpan.Zero) await Task.Delay(wait);
            var index = i;
            running.Add(Task.Run(() => action(index)));
        }
        await Task.WhenAll(running);
    }

    private BenchWorker Live()
    {
        var live = slots.Where(s => !s.Down && s.Worker is not null).ToArray();
        if (live.Length == 0) return slots.First(s => s.Worker is not null).Worker!;
        return live[Random.Shared.Next(live.Length)].Worker!;
    }

    /// <summary>
    /// One API call as a client with retries would make it: on a refused connection or a 5xx it tries again
    /// a second later on a live replica, up to 10 times. Returns the answer (null when every try failed).
    /// </summary>
    /// <summary>
    /// Calls a live replica, as a backend service would: a 5xx or a dropped connection (a replica killed
    /// under the call) is tried again on another replica. A creating POST carries an
    /// <c>Idempotency-Key</c>, the same on every try, so a retry whose first try did commit creates nothing
    /// twice; a 409 (the first try still marked running, by a replica that may have been killed) is tried
    /// again until the key's lease runs out.
    /// </summary>
    private async Task<(HttpResponseMessage? Response, int Attempts)> CallAsync(string what, Func<HttpClient, Task<HttpResponseMessage>> send, int tries = 10, bool idempotent = false)
    {
        var conflicts = 0;
        for (var attempt = 1; attempt <= tries; attempt++)
        {
            var worker = Live();
            try
            {
                var response = await send(worker.Http);
                // 409 with Retry-After: the key's first try is still marked running. A 409 without it is
                // the endpoint's own refusal (a booking overlapping another on its lift): an answer.
                var conflict = idempotent && response.StatusCode == System.Net.HttpStatusCode.Conflict && response.Headers.RetryAfter is not null
                    && ++conflicts <= MaxConflictRetries;
                if ((int)response.StatusCode < 500 && !conflict) return (response, attempt);
                response.Dispose();
                if (conflict) attempt--;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or ObjectDisposedException or IOException)
            {
                // The replica died under the call, or is not there: try another.
            }
            apiRetries.Enqueue((Now, what));
            await Task.Delay(1000);
        }
        return (null, tries);
    }

    /// <summary>Longer than the idempotency lease (60 s), after which a key left running by a killed replica runs again.</summary>
    private const int MaxConflictRetries = 90;

    private static Func<HttpClient, Task<HttpResponseMessage>> PostOnce(string path, object body)
    {
        var key = Guid.NewGuid().ToString();
        return http =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
            request.Headers.Add("Idempotency-Key", key);
            return http.SendAsync(request);
        };
    }

    private async Task PatchAsync(SeededOrder order, ConcurrentBag<StatusChange> changes)
    {
        var first = DateTimeOffset.UtcNow;
        var (response, attempts) = await CallAsync("PATCH /api/orders", http => http.PatchAsJsonAsync($"/api/orders/{order.Id.ToString(CultureInfo.InvariantCulture)}", new { status = "в работе" }));
        using (response) changes.Add(new StatusChange(order, first, response?.IsSuccessStatusCode == true, attempts));
    }

    private async Task BookAsync(BookingUser user, ConcurrentBag<Booking> bookings)
    {
        var start = Millis(DateTimeOffset.UtcNow + BookAhead);
        var end = start + BookingLength;
        var body = new
        {
            userId = user.Id,
            resourceName = "Подъёмник №" + (user.Id % 7 + 1).ToString(CultureInfo.InvariantCulture),
            startTime = start.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            endTime = end.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        };
        var (response, attempts) = await CallAsync("POST /api/bookings", PostOnce("/api/bookings", body), idempotent: true);
        using (response) bookings.Add(new Booking(user, start, end, response?.StatusCode == System.Net.HttpStatusCode.Created, attempts));
    }

    private async Task AlertAsync(int index, ConcurrentBag<Alert> alerts)
    {
        var first = DateTimeOffset.UtcNow;
        var (response, _) = await CallAsync("POST /api/alerts",
            PostOnce("/api/alerts", new { type = "equipment_alert", message = AlertText(index), priority = "high", office = true }), idempotent: true);
        using (response)
        {
            Guid? id = null;
            if (response?.IsSuccessStatusCode == true)
            {
                using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                id = body.RootElement.GetProperty("id").GetGuid();
            }
            alerts.Add(new Alert(index, id, first, id is not null));
        }
    }

    private static string AlertText(int index) => "soak alert " + index.ToString(CultureInfo.InvariantCulture);

    private static string OfficeUser(int u) => OfficeUserPrefix + u.ToString(CultureInfo.InvariantCulture);

    private static DateTimeOffset Millis(DateTimeOffset at) => at.AddTicks(-(at.UtcTicks % TimeSpan.TicksPerMillisecond));

    private async Task<long> RegisterCabinetAsync(string sellerChat, string token)
    {
        var worker = slots[0].Worker!;
        using var response = await worker.Http.PostAsJsonAsync("/api/cabinets", new { telegramId = sellerChat, apiKey = token });
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"soak: POST /api/cabinets answered {(int)response.StatusCode}: {text}");
        long id;
        using (var body = JsonDocument.Parse(text)) id = body.RootElement.GetProperty("cabinetId").GetInt64();
        // The initial sync loads the history silently; the run's WB changes come after it.
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            using var state = await worker.Http.GetAsync($"/api/cabinets/{id.ToString(CultureInfo.InvariantCulture)}");
            using var doc = JsonDocument.Parse(await state.Content.ReadAsStringAsync());
            if (doc.RootElement.GetProperty("state").GetString() == "active") return id;
            if (deadline.Elapsed > TimeSpan.FromMinutes(3)) throw new TimeoutException("soak: the cabinet's initial sync did not finish");
            await Task.Delay(500);
        }
    }

    private async Task<List<SeededOrder>> SeedOrdersAsync(int count)
    {
        await using var connection = new NpgsqlConnection(cs);
        await connection.OpenAsync();
        await using (var command = new NpgsqlCommand("""
            /*bench*/ INSERT INTO mechanics (name, telegram_id, created_at)
            SELECT 'Механик ' || i, (11000000 + i)::text, now() FROM generate_series(1, @n) AS i;
            INSERT INTO orders (car_number, category, parts, status, assigned_mechanic_id, created_at, updated_at, status_changed_at)
            SELECT 'А' || lpad(i::text, 3, '0') || 'ВС77', 'ТО', ARRAY['масляный фильтр'], 'новый',
                   (SELECT min(id) FROM mechanics) + i - 1, now(), now(), now()
            FROM generate_series(1, @n) AS i;
            ANALYZE mechanics; ANALYZE orders;
            """, connection))
        {
            command.Parameters.AddWithValue("n", count);
            await command.ExecuteNonQueryAsync();
        }
        var result = new List<SeededOrder>(count);
        await using var select = new NpgsqlCommand("/*bench*/ SELECT o.id, m.telegram_id FROM orders o JOIN mechanics m ON m.id = o.assigned_mechanic_id ORDER BY o.id", connection);
        await using var reader = await select.ExecuteReaderAsync();
        while (await reader.ReadAsync()) result.Add(new SeededOrder(reader.GetInt32(0), reader.GetString(1)));
        return result;
    }

    private async Task<List<BookingUser>> SeedBookingUsersAsync(int count)
    {
        await using var connection = new NpgsqlConnection(cs);
        await connection.OpenAsync();
        await using (var command = new NpgsqlCommand("""
            /*bench*/ INSERT INTO booking_users (telegram_id, name, created_at)
            SELECT (12000000 + i)::text, 'Клиент ' || i, now() FROM generate_series(1, @n) AS i;
            ANALYZE booking_users;
            """, connection))
        {
            command.Parameters.AddWithValue("n", count);
            await command.ExecuteNonQueryAsync();
        }
        var users = new List<BookingUser>(count);
        await using var select = new NpgsqlCommand("/*bench*/ SELECT id, telegram_id FROM booking_users ORDER BY id", connection);
        await using var reader = await select.ExecuteReaderAsync();
        while (await reader.ReadAsync()) users.Add(new BookingUser(reader.GetInt32(0), reader.GetString(1)));
        return users;
    }

    /// <summary>
    /// An office user's socket on <c>/ws</c>: records when each soak alert arrived; when the socket drops
    /// (its replica was killed) it connects again a second later, to its replica or another live one.
    /// </summary>
    private sealed class SoakSocket(string user, int slot) : IDisposable
    {
        private ClientWebSocket? socket;

        public ConcurrentDictionary<string, DateTimeOffset> Received { get; } = new();
        public int Reconnects;

        public async Task RunAsync(SoakBenchmark soak, CancellationToken stop)
        {
            var first = true;
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    var target = soak.slots[slot] is { Down: false, Worker: { } w } ? w : soak.Live();
                    socket = new ClientWebSocket();
                    socket.Options.KeepAliveInterval = TimeSpan.Zero;
                    var uri = new Uri(target.Http.BaseAddress!.ToString().Replace("http://", "ws://", StringComparison.Ordinal) + "ws?userId=" + Uri.EscapeDataString(user));
                    using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop))
                    {
                        timeout.CancelAfter(TimeSpan.FromSeconds(30));
                        await socket.ConnectAsync(uri, timeout.Token);
                    }
                    if (!first) Interlocked.Increment(ref Reconnects);
                    first = false;
                    var buffer = new byte[8192];
                    var message = new MemoryStream();
                    while (!stop.IsCancellationRequested)
                    {
                        var result = await socket.ReceiveAsync(buffer.AsMemory(), stop);
                        if (result.MessageType == WebSocketMessageType.Close) break;
                        message.Write(buffer, 0, result.Count);
                        if (!result.EndOfMessage) continue;
                        var at = DateTimeOffset.UtcNow;
                        try
                        {
                            using var doc = JsonDocument.Parse(message.ToArray());
                            if (doc.RootElement.TryGetProperty("data", out var data) && data.TryGetProperty("notification", out var n)
                                && n.TryGetProperty("message", out var text) && text.GetString() is { } t)
                                Received.TryAdd(t, at);
                        }
                        catch (JsonException)
                        {
                            // Not an event we measure.
                        }
                        message.SetLength(0);
                    }
                }
                catch (Exception ex) when (ex is WebSocketException or HttpRequestException or OperationCanceledException or IOException or ObjectDisposedException)
                {
                    // Dropped (a killed replica) or refused: connect again.
                }
                finally
                {
                    socket?.Dispose();
                }
                try { await Task.Delay(1000, stop); } catch (OperationCanceledException) { break; }
            }
        }

        public void Dispose() => socket?.Dispose();
    }

    // ------------------------------------------------------------------ sampling

    private sealed record Sample(double At, Dictionary<string, long> TableBytes, long OpenRows, long Connections, string ByApplication, Dictionary<string, HeapStats> Heap);

    /// <summary>The tables' heaps are read (<c>pgstattuple</c>) with every this many samples: about 30 times in a run.</summary>
    private const int HeapSampleEvery = 6;

    /// <summary>A table's heap by <c>pgstattuple</c>: bytes of live rows, of dead rows, free, and in all.</summary>
    private sealed record HeapStats(long Live, long Dead, long Free, long Total)
    {
        public double DeadShare => Total == 0 ? 0 : (double)Dead / Total;
    }

    private async Task SampleAsync(List<Sample> samples, CancellationToken stop)
    {
        var every = TimeSpan.FromSeconds(Math.Max(2, duration.TotalSeconds / 180));
        var sampleIndex = 0;
        var sql = "/*bench*/ SELECT " + string.Join(", ", Tables.Select(t => $"COALESCE(pg_total_relation_size(to_regclass('{t}')), 0)"))
            + ", (SELECT count(*) FROM delivery_messages WHERE state IN ('pending', 'sending')), (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')"
            + ", (SELECT string_agg(n || '=' || c, ' ' ORDER BY n) FROM (SELECT CASE WHEN application_name LIKE 'felixhub-hangfire %' THEN 'hangfire-pool' WHEN application_name = '' THEN 'bench' ELSE application_name END AS n, count(*) AS c"
            + " FROM pg_stat_activity WHERE backend_type = 'client backend' GROUP BY 1) g)";
        while (!stop.IsCancellationRequested)
        {
            var at = Now;
            foreach (var slot in slots)
            {
                try
                {
                    if (slot is { Down: false, Worker: { } w }) lock (slot.Rss) slot.Rss.Add((at, w.Memory().RssMb));
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
                {
                    // The process is gone (killed meanwhile).
                }
            }
            try
            {
                await using var connection = new NpgsqlConnection(cs);
                await connection.OpenAsync(stop);
                await using var command = new NpgsqlCommand(sql, connection);
                await using var reader = await command.ExecuteReaderAsync(stop);
                await reader.ReadAsync(stop);
                var sizes = Tables.Select((t, i) => (t, reader.GetInt64(i))).ToDictionary(x => x.t, x => x.Item2);
                var (openRows, connections, byApplication) = (reader.GetInt64(Tables.Length), reader.GetInt64(Tables.Length + 1), reader.IsDBNull(Tables.Length + 2) ? "" : reader.GetString(Tables.Length + 2));
                await reader.DisposeAsync();
                // pgstattuple reads every table through: every sixth sample is enough for the thirds' verdict
                // and keeps the measuring from weighing on the traffic it measures.
                var heap = sampleIndex++ % HeapSampleEvery == 0 ? await HeapStatsAsync(connection, stop) : [];
                lock (samples) samples.Add(new Sample(at, sizes, openRows, connections, byApplication, heap));
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or IOException)
            {
                // PostgreSQL is restarting: no sample this time.
            }
            catch (OperationCanceledException)
            {
                break;
            }
            try { await Task.Delay(every, stop); } catch (OperationCanceledException) { break; }
        }
    }

    /// <summary>
    /// Each measured table's heap by <c>pgstattuple</c> (it reads the table: these are a few MB). Empty while a
    /// table does not exist yet.
    /// </summary>
    private static async Task<Dictionary<string, HeapStats>> HeapStatsAsync(NpgsqlConnection connection, CancellationToken stop)
    {
        const string sql = "/*bench*/ SELECT t.name, s.tuple_len, s.dead_tuple_len, s.free_space, s.table_len FROM unnest(@names) AS t(name), LATERAL pgstattuple(t.name) s";
        try
        {
            await using var command = new NpgsqlCommand(sql, connection);
            command.Parameters.AddWithValue("names", Tables);
            await using var reader = await command.ExecuteReaderAsync(stop);
            var heap = new Dictionary<string, HeapStats>();
            while (await reader.ReadAsync(stop))
                heap[reader.GetString(0)] = new HeapStats(reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4));
            return heap;
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return [];
        }
    }

    // ------------------------------------------------------------------ the check

    private async Task<List<Figure>> CheckAsync(
        FakeTelegramServer telegram, BenchWbApi wb, List<Fault> faults, List<Sample> samples, List<StatusChange> changes, List<Booking> bookings,
        List<Alert> alerts, List<SoakSocket> sockets, long cabinetId, string sellerChat, int wbChanges, double trafficSeconds, double drainSeconds,
        bool drained, long maxConnections)
    {
        var delivered = telegram.Delivered.Where(d => d.ChatId is not null && d.Method is "sendMessage" or "sendPhoto").ToList();
        var byChat = delivered.GroupBy(d => d.ChatId!).ToDictionary(g => g.Key, g => g.OrderBy(d => d.At).ToList());
        var messageIds = delivered.Select(telegram.MessageIdOf).ToHashSet();

        // 1. Expected from outside: each answered status change reached its mechanic; each booking's start reminder its user.
        var okChanges = changes.Where(c => c.Ok).ToList();
        var lostChanges = okChanges.Count(c => !byChat.ContainsKey(c.Order.ChatId));
        var statusLatency = okChanges.Where(c => byChat.ContainsKey(c.Order.ChatId))
            .Select(c => (c.First, Ms: (byChat[c.Order.ChatId][0].At - c.First).TotalMilliseconds)).ToList();
        var okBookings = bookings.Where(b => b.Ok).ToList();
        var ledger = await LedgerAsync();
        // A chat's start reminders: one per booking of its user (each user books once; a second booking
        // would come from a retried POST whose first try committed when its replica was killed).
        var startRows = ledger.Where(r => r.Kind == "BOOKING_START").ToLookup(r => r.Chat);
        var doubleBooked = startRows.Count(g => g.Count() > 1);
        var lostStarts = 0;
        var reminderLatency = new List<(DateTimeOffset Due, double Ms)>();
        foreach (var b in okBookings)
        {
            var row = startRows[b.User.ChatId].MinBy(r => Math.Abs((r.Due - b.Start).TotalMilliseconds));
            var arrived = row is not null && byChat.TryGetValue(b.User.ChatId, out var calls)
                ? calls.FirstOrDefault(c => Key(c).Text == row.Text) : null;
            if (arrived is null) lostStarts++;
            else reminderLatency.Add((b.Start, (arrived.At - b.Start).TotalMilliseconds));
        }

        // 2. Expected from the ledger: every row with a chat, due by now and not cancelled, is sent and was received.
        var expectedRows = ledger.Where(r => r.State != "cancelled" && r.Due <= DateTimeOffset.UtcNow).ToList();
        var unsent = expectedRows.Where(r => r.State != "sent").ToList();
        var sentNotReceived = expectedRows.Count(r => r.State == "sent" && (r.MessageId is not { } id || !messageIds.Contains((int)id)));
        var failedRows = ledger.Count(r => r.State == "failed");
        var skippedRows = ledger.Where(r => r.State == "skipped").ToList();
        var stuck = ledger.Count(r => r.State is "pending" or "sending" && r.Due < DateTimeOffset.UtcNow.AddMinutes(-1));

        // 3. Duplicates: a (chat, text) received more than once. Allowed only for a kill's sends in flight, one extra copy each.
        var copies = delivered.GroupBy(Key).Where(g => g.Count() > 1).ToDictionary(g => g.Key, g => g.Count() - 1);
        var duplicates = copies.Values.Sum();
        var kills = faults.Where(f => f.Kind == FaultKind.Kill).ToList();
        var atKills = copies.Where(c => kills.Any(k => k.InFlight.Contains(c.Key))).ToList();
        var unexplained = copies.Where(c => !kills.Any(k => k.InFlight.Contains(c.Key))).Sum(c => c.Value);
        var moreThanOneExtra = atKills.Count(c => c.Value > 1);
        var inFlightTotal = kills.Sum(k => k.InFlight.Count);

        // 4. Hangfire and the ledger at the end.
        var processing = await ScalarAsync(StuckProcessingSql);
        var failedJobs = await ScalarAsync("/*bench*/ SELECT count(*) FROM hangfire.job WHERE statename = 'Failed'");
        var scheduledJobs = await ScalarAsync("/*bench*/ SELECT count(*) FROM hangfire.job WHERE statename = 'Scheduled'");
        var syncFailures = await ScalarAsync($"/*bench*/ SELECT count(*) FROM wb_sync_logs WHERE cabinet_id = {cabinetId.ToString(CultureInfo.InvariantCulture)} AND status = 'failed'");
        var syncs = await ScalarAsync($"/*bench*/ SELECT count(*) FROM wb_sync_logs WHERE cabinet_id = {cabinetId.ToString(CultureInfo.InvariantCulture)}");
        var newOrderRows = ledger.Count(r => r.Kind == "new_order");
        var wbRows = ledger.Count(r => r.Chat == sellerChat);

        // 5. Inbox: every alert created is in every office user's inbox and was pushed; socket receipts.
        var createdAlerts = alerts.Where(a => a.Ok).ToList();
        var (missingInInbox, notPushed) = await InboxAsync(createdAlerts);
        var socketReceipts = sockets.Sum(s => createdAlerts.Count(a => s.Received.ContainsKey(AlertText(a.Index))));
        var socketExpected = sockets.Count * createdAlerts.Count;

        // 6. Flat after warm-up: the last third against the middle third.
        var total = trafficSeconds;
        double t1 = total / 3, t2 = total * 2 / 3;
        var rssVerdicts = new List<(int Slot, double Middle, double Last, bool? Flat, string Note)>();
        foreach (var slot in slots)
        {
            var since = slot.Pids[^1].From;
            List<(double At, double RssMb)> points;
            lock (slot.Rss) points = slot.Rss.Where(p => p.At >= since && p.At <= total).ToList();
            if (since > t1)
            {
                rssVerdicts.Add((slot.Index, double.NaN, points.Count > 0 ? points[^1].RssMb : double.NaN, null, $"restarted at {since:0} s, after the middle third began: not judged"));
                continue;
            }
            var middle = Median(points.Where(p => p.At >= t1 && p.At < t2).Select(p => p.RssMb).ToList());
            var last = Median(points.Where(p => p.At >= t2).Select(p => p.RssMb).ToList());
            rssVerdicts.Add((slot.Index, middle, last, last <= middle * (1 + RssTolerance), ""));
        }
        List<Sample> s;
        lock (samples) s = samples.Where(x => x.At <= total).ToList();
        var growth = new List<TableVerdict>();
        var callTimes = telegram.Calls.Where(c => c.ChatId is not null).Select(c => At(c.At)).ToArray();
        foreach (var table in Tables)
        {
            var m = s.Where(x => x.At >= t1 && x.At < t2 && x.Heap.ContainsKey(table)).ToList();
            var l = s.Where(x => x.At >= t2 && x.Heap.ContainsKey(table)).ToList();
            if (m.Count < 2 || l.Count < 2) continue;
            // Size on disk per Telegram call, reported beside the verdict (PostgreSQL's allocation steps move it).
            double mCalls = Math.Max(1, callTimes.Count(t => t >= m[0].At && t < m[^1].At)), lCalls = Math.Max(1, callTimes.Count(t => t >= l[0].At && t < l[^1].At));
            var sizeMiddle = (m[^1].TableBytes[table] - m[0].TableBytes[table]) / mCalls;
            var sizeLast = (l[^1].TableBytes[table] - l[0].TableBytes[table]) / lCalls;
            var deadMiddle = Median(m.Select(x => x.Heap[table].DeadShare).ToList());
            var deadLast = Median(l.Select(x => x.Heap[table].DeadShare).ToList());
            var deadJudged = l[^1].Heap[table].Total >= DeadShareMinHeapBytes;
            var deadFlat = !deadJudged || deadLast <= Math.Max(DeadShareCeiling, deadMiddle + DeadShareRise);
            if (BoundedTables.Contains(table))
            {
                // Their live rows stay bounded whatever the traffic: the most in the last third against the middle's.
                double mid = m.Max(x => x.Heap[table].Live), last = l.Max(x => x.Heap[table].Live);
                growth.Add(new TableVerdict(table, true, mid, last, sizeMiddle, sizeLast, deadMiddle, deadLast, deadJudged, last <= mid * GrowthTolerance + 65_536, deadFlat));
            }
            else
            {
                // Bytes of live rows per Telegram call in the third (the traffic's unit of work: a storm's backlog
                // drains in a later third and adds rows with it; a leak adds more rows per unit of work).
                var liveMiddle = (m[^1].Heap[table].Live - m[0].Heap[table].Live) / mCalls;
                var liveLast = (l[^1].Heap[table].Live - l[0].Heap[table].Live) / lCalls;
                growth.Add(new TableVerdict(table, false, liveMiddle, liveLast, sizeMiddle, sizeLast, deadMiddle, deadLast, deadJudged,
                    liveLast <= Math.Max(0, liveMiddle) * GrowthTolerance + LiveSlackBytes / lCalls, deadFlat));
            }
        }
        var tablesFlat = growth.All(g => g.Flat);
        var judgedRss = rssVerdicts.Where(v => v.Flat is not null).ToList();
        var rssFlat = judgedRss.Count > 0 && judgedRss.All(v => v.Flat == true);

        // 7. Timeline: each fault, and what it cost.
        // The baseline: after the warm-up (the first 15 %), outside every fault's window.
        var warmUp = duration.TotalSeconds * 0.15;
        var baseline = statusLatency.Where(x => At(x.First) >= warmUp && !faults.Any(f => InWindow(At(x.First), f))).Select(x => x.Ms).ToList();
        var baselineReminders = reminderLatency.Where(x => At(x.Due) >= warmUp && !faults.Any(f => InWindow(At(x.Due), f))).Select(x => x.Ms).ToList();
        var limit429 = telegram.TooManyRequestsAt;
        var lines = new List<string>
        {
            $"soak timeline — seed {seed}, {trafficSeconds:0} s of traffic + {drainSeconds:0} s of drain{(drained ? "" : " (DEADLINE: not drained)")}, load {WbSyncBenchmark.Load()}",
            $"baseline (causes after the warm-up and outside every fault's window, which runs from 10 s before it to 10 s after it; {baseline.Count} status changes, {baselineReminders.Count} reminders): status change → message p50 {P(baseline, 50):0} ms, p99 {P(baseline, 99):0} ms; reminder due → received p50 {P(baselineReminders, 50):0} ms, p99 {P(baselineReminders, 99):0} ms",
            $"{"at s",7} {"until",7}  fault / detail / cost",
        };
        foreach (var f in faults)
        {
            var during = statusLatency.Where(x => InWindow(At(x.First), f)).Select(x => x.Ms).ToList();
            var remindersDuring = reminderLatency.Where(x => InWindow(At(x.Due), f)).Select(x => x.Ms).ToList();
            var retries = apiRetries.Count(r => r.At >= f.Start && r.At <= f.End + 10);
            var limited = limit429.Count(t => At(t) >= f.Start && At(t) <= f.End + 10);
            var dups = f.Kind == FaultKind.Kill ? copies.Where(c => f.InFlight.Contains(c.Key)).Sum(c => c.Value) : 0;
            lines.Add($"{f.Start,7:0.0} {f.End,7:0.0}  {f.Name}: {f.Detail}");
            lines.Add($"{"",16}cost: {during.Count} status change(s) made around it, → message p50 {P(during, 50):0} ms, max {Max(during):0} ms; "
                + $"{remindersDuring.Count} reminder(s) due around it, late p50 {P(remindersDuring, 50):0} ms, max {Max(remindersDuring):0} ms; "
                + $"{retries} API retr{(retries == 1 ? "y" : "ies")}; {limited} 429(s) from the limits"
                + (f.Kind == FaultKind.Kill ? $"; {dups} duplicate(s) of {f.InFlight.Count} send(s) in flight" : ""));
        }
        foreach (var v in rssVerdicts)
            lines.Add($"RSS replica {v.Slot}: middle third {v.Middle:0} MB, last third {v.Last:0} MB {v.Note}");
        foreach (var g in growth)
            lines.Add((g.Bounded
                    ? $"table {g.Table} (bounded): live rows at most {g.Middle / 1024:0} kB in the middle third, {g.Last / 1024:0} kB in the last{(g.RowsFlat ? "" : "  NOT FLAT")}"
                    : $"table {g.Table}: live rows per Telegram call middle third {g.Middle:0} B, last third {g.Last:0} B{(g.RowsFlat ? "" : "  NOT FLAT")}")
                + $"; dead share (median) {g.DeadMiddle:P0} → {g.DeadLast:P0}{(g.DeadJudged ? "" : " (small heap: not judged)")}{(g.DeadFlat ? "" : "  BLOATING")}"
                + $"; size on disk per call {g.SizeMiddle:0} B → {g.SizeLast:0} B (not judged)");
        if (s.Count > 0)
        {
            var busiest = s.MaxBy(x => x.Connections)!;
            lines.Add($"PostgreSQL client connections: at most {busiest.Connections} of {maxConnections}, at {busiest.At:0} s: {busiest.ByApplication}");
        }
        foreach (var (type, count) in await FailedJobsAsync())
            lines.Add($"Hangfire jobs Failed: {count} × {type}");
        if (skippedRows.Count > 0)
            foreach (var g in skippedRows.GroupBy(r => (r.Kind, Reason: Shorten(r.Error))))
                lines.Add($"skipped: {g.Count()} × {g.Key.Kind}: {g.Key.Reason}");
        foreach (var r in unsent.Take(20))
            lines.Add($"NOT SENT: message #{r.Id} {r.Kind} to {r.Chat}, {r.State}, due {At(r.Due):0} s: {Shorten(r.Error)}");
        // Each duplicate no kill explains, traced: the ledger rows with its chat and text (two rows are two
        // messages), when each copy arrived and the fault nearest to the first copy.
        var rowsByKey = ledger.ToLookup(r => (r.Chat, r.Text));
        foreach (var (key, extra) in copies.Where(c => !kills.Any(k => k.InFlight.Contains(c.Key))).Take(40))
        {
            var arrivals = delivered.Where(d => Key(d) == key).Select(d => At(d.At)).Order().ToList();
            var rows = rowsByKey[key].ToList();
            var nearest = faults.MinBy(f => Math.Abs(f.Start - arrivals[0]));
            lines.Add($"DUPLICATE: {extra} extra of {(rows.Count == 0 ? "no ledger row" : string.Join(", ", rows.Select(r => $"#{r.Id} {r.Kind} ({r.State}, due {At(r.Due):0.0} s)")))} to {key.Chat}: "
                + $"copies at {string.Join(" / ", arrivals.Select(a => a.ToString("0.0", CultureInfo.InvariantCulture)))} s"
                + (nearest is null ? "" : $"; nearest fault: {nearest.Name} at {nearest.Start:0.0}–{nearest.End:0.0} s"));
        }
        Console.WriteLine();
        foreach (var line in lines) Console.WriteLine(line);
        Directory.CreateDirectory("bench-results");
        await File.WriteAllLinesAsync("bench-results/soak-timeline.txt", lines);
        await File.WriteAllLinesAsync("bench-results/soak-samples.csv",
            [string.Join(',', ["seconds", .. slots.Select(x => $"rss_mb_replica_{x.Index}"), "open_ledger_rows", "connections", .. Tables,
                 .. Tables.Select(t => t + ":live"), .. Tables.Select(t => t + ":dead")]),
             .. s.Select(x => string.Join(',', [x.At.ToString("0.0", CultureInfo.InvariantCulture),
                 .. slots.Select(slot => RssAt(slot, x.At)), x.OpenRows.ToString(CultureInfo.InvariantCulture), x.Connections.ToString(CultureInfo.InvariantCulture),
                 .. Tables.Select(t => x.TableBytes[t].ToString(CultureInfo.InvariantCulture)),
                 .. Tables.Select(t => x.Heap.TryGetValue(t, out var h) ? h.Live.ToString(CultureInfo.InvariantCulture) : ""),
                 .. Tables.Select(t => x.Heap.TryGetValue(t, out var h) ? h.Dead.ToString(CultureInfo.InvariantCulture) : "")]))]);

        // 8. Charts.
        var markers = faults.Select(f => (f.Start, f.End, Short(f))).ToList();
        Chart("soak-rss", $"soak: RSS per replica (seed {seed})", "MB", markers,
            slots.Select(slot => ($"replica {slot.Index}", (IReadOnlyList<(double, double)>)slot.Rss.ToList())).ToArray());
        Chart("soak-tables", $"soak: table sizes (seed {seed})", "MB", markers,
            Tables.Where(t => s.Count > 0 && s[^1].TableBytes[t] > 256 * 1024)
                .Select(t => (t, (IReadOnlyList<(double, double)>)s.Select(x => (x.At, x.TableBytes[t] / 1048576.0)).ToList())).ToArray());
        Chart("soak-live-rows", $"soak: bytes of live rows per table (seed {seed})", "MB", markers,
            Tables.Where(t => s.LastOrDefault(x => x.Heap.ContainsKey(t)) is { } read && read.Heap[t].Live > 128 * 1024)
                .Select(t => (t, (IReadOnlyList<(double, double)>)s.Where(x => x.Heap.ContainsKey(t)).Select(x => (x.At, x.Heap[t].Live / 1048576.0)).ToList())).ToArray());
        Chart("soak-per-second", $"soak: messages and refusals per second (seed {seed})", "per second", markers,
            ("delivered", PerSecond(delivered.Select(d => At(d.At)))),
            ("429 (limits)", PerSecond(limit429.Select(At))),
            ("429 (storm)", PerSecond(stormReplies.Where(r => r.Code == 429).Select(r => At(r.At)))),
            ("502 (storm)", PerSecond(stormReplies.Where(r => r.Code == 502).Select(r => At(r.At)))));

        var lost = lostChanges + lostStarts + unsent.Count + sentNotReceived;
        return
        [
            new(Scenario, "minutes of traffic (+ drain, s)", trafficSeconds / 60, $"+ {drainSeconds:0} s"),
            new(Scenario, "seed", seed, ""),
            new(Scenario, "max_connections of the cluster", maxConnections, "", "100", maxConnections == 100),
            new(Scenario, "faults (kill / pg / 502 / 429 / WB garbage)", faults.Count, $"{Count(faults, FaultKind.Kill)}/{Count(faults, FaultKind.PostgresRestart)}/{Count(faults, FaultKind.Telegram5xx)}/{Count(faults, FaultKind.Telegram429)}/{Count(faults, FaultKind.WbGarbage)}"),
            new(Scenario, "status changes answered 200 (of made)", okChanges.Count, $"/ {changes.Count}"),
            new(Scenario, "bookings answered 201 (of made)", okBookings.Count, $"/ {bookings.Count}"),
            new(Scenario, "WB syncs (failed)", syncs, $"({syncFailures})"),
            new(Scenario, "WB new orders announced (added)", newOrderRows, $"({wbChanges})"),
            new(Scenario, "WB messages to the seller", wbRows, ""),
            new(Scenario, "messages received by Telegram", delivered.Count, ""),
            new(Scenario, "ledger rows due (sent)", expectedRows.Count, $"({expectedRows.Count(r => r.State == "sent")})"),
            new(Scenario, "drained within 15 min", drained ? 1 : 0, "", "1", drained),
            new(Scenario, "lost: expected messages not delivered", lost, "", "0", lost == 0),
            new(Scenario, "lost: status changes", lostChanges, "", "0", lostChanges == 0),
            new(Scenario, "lost: booking start reminders", lostStarts, "", "0", lostStarts == 0),
            new(Scenario, "lost: ledger rows due and not sent", unsent.Count, "", "0", unsent.Count == 0),
            new(Scenario, "lost: sent but never received", sentNotReceived, "", "0", sentNotReceived == 0),
            new(Scenario, "ledger rows failed (dead letters)", failedRows, "", "0", failedRows == 0),
            new(Scenario, "ledger rows skipped", skippedRows.Count, ""),
            new(Scenario, "duplicates", duplicates, ""),
            new(Scenario, "sends in flight at the kills", inFlightTotal, ""),
            new(Scenario, "duplicates beyond the kills' sends in flight", unexplained, "", "0", unexplained == 0),
            new(Scenario, "in-flight sends delivered more than twice", moreThanOneExtra, "", "0", moreThanOneExtra == 0),
            new(Scenario, "Hangfire jobs left Processing (over 1 min, or a killed pid's)", processing, "", "0", processing == 0),
            new(Scenario, "Hangfire jobs Failed / Scheduled (retries) at the end", failedJobs, $"/ {scheduledJobs}"),
            new(Scenario, "ledger rows pending > 1 min past due", stuck, "", "0", stuck == 0),
            new(Scenario, "alerts missing from an office inbox", missingInInbox, "", "0", missingInInbox == 0),
            new(Scenario, "bookings created twice (a retry after its first try committed)", doubleBooked, ""),
            new(Scenario, "alerts never pushed", notPushed, "", "0", notPushed == 0),
            new(Scenario, "alerts received live on the sockets", socketExpected == 0 ? 0 : socketReceipts * 100.0 / socketExpected, "%"),
            new(Scenario, "socket reconnects", sockets.Sum(x => x.Reconnects), ""),
            new(Scenario, "API retries (refused, 5xx, replica gone)", apiRetries.Count, ""),
            new(Scenario, "429s from the limits (outside storms)", limit429.Count, ""),
            new(Scenario, "status change → message p50 (outside faults)", P(baseline, 50), "ms"),
            new(Scenario, "status change → message p99 (outside faults)", P(baseline, 99), "ms"),
            new(Scenario, "status change → message max (all)", Max(statusLatency.Select(x => x.Ms).ToList()), "ms"),
            new(Scenario, "reminder due → received p99 (outside faults)", P(baselineReminders, 99), "ms"),
            new(Scenario, "reminder due → received max (all)", Max(reminderLatency.Select(x => x.Ms).ToList()), "ms"),
            new(Scenario, $"RSS flat (last third ≤ middle + {RssTolerance:P0}, {judgedRss.Count} replica(s) judged)", judgedRss.Count == 0 ? double.NaN : judgedRss.Max(v => v.Last / v.Middle * 100 - 100), "%",
                Judged ? $"≤ {RssTolerance * 100:0}" : null, Judged ? rssFlat : null),
            new(Scenario, "RSS max (any replica, any time)", slots.SelectMany(x => x.Rss).Select(x => x.RssMb).DefaultIfEmpty(double.NaN).Max(), "MB"),
            new(Scenario, $"tables flat (live rows per Telegram call, last third ≤ {GrowthTolerance}× middle; dead share ≤ {DeadShareCeiling:P0} or middle + {DeadShareRise * 100:0} points)", growth.Count(g => !g.Flat), "not flat", Judged ? "0" : null, Judged ? tablesFlat : null),
            new(Scenario, "database tables at the end (measured ones)", s.Count > 0 ? s[^1].TableBytes.Values.Sum() / 1048576.0 : double.NaN, "MB"),
            new(Scenario, "client connections at PostgreSQL (max sampled)", s.Count > 0 ? s.Max(x => x.Connections) : double.NaN, "", "< 100", s.Count > 0 && s.Max(x => x.Connections) < maxConnections),
        ];
    }

    /// <summary>One table's verdict: <see cref="Middle"/>/<see cref="Last"/> are live-row bytes per Telegram call (a bounded table: its most live-row bytes).</summary>
    private sealed record TableVerdict(string Table, bool Bounded, double Middle, double Last, double SizeMiddle, double SizeLast,
        double DeadMiddle, double DeadLast, bool DeadJudged, bool RowsFlat, bool DeadFlat)
    {
        public bool Flat => RowsFlat && DeadFlat;
    }

    private static string RssAt(Slot slot, double at)
    {
        lock (slot.Rss)
            return slot.Rss.Where(p => Math.Abs(p.At - at) < 1).Select(p => p.RssMb.ToString("0.0", CultureInfo.InvariantCulture)).FirstOrDefault() ?? "";
    }

    private static int Count(List<Fault> faults, FaultKind kind) => faults.Count(f => f.Kind == kind);

    /// <summary>
    /// A cause (a change made, a reminder due) falls in a fault's window: from 10 s before it began (a send
    /// then in its in-call retries meets the fault) to 10 s after it ended.
    /// </summary>
    private static bool InWindow(double at, Fault f) => at >= f.Start - 10 && at <= f.End + 10;

    private static string Short(Fault f) => f.Kind switch
    {
        FaultKind.Kill => "kill",
        FaultKind.PostgresRestart => "pg",
        FaultKind.Telegram5xx => "502",
        FaultKind.Telegram429 => "429",
        _ => "wb",
    };

    private static string Shorten(string? text) => text is null ? "" : text.Length > 120 ? text[..120] + "…" : text;

    private sealed record LedgerRow(long Id, string Kind, string Chat, string Text, string State, DateTimeOffset Due, long? MessageId, string? Error);

    private async Task<List<LedgerRow>> LedgerAsync()
    {
        var rows = new List<LedgerRow>();
        await using var connection = new NpgsqlConnection(cs);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("/*bench*/ SELECT id, kind, chat_id, text, state, due_at, telegram_message_id, last_error FROM delivery_messages WHERE chat_id IS NOT NULL", connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            rows.Add(new LedgerRow(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                reader.GetFieldValue<DateTimeOffset>(5), reader.IsDBNull(6) ? null : Convert.ToInt64(reader.GetValue(6), CultureInfo.InvariantCulture),
                reader.IsDBNull(7) ? null : reader.GetString(7)));
        return rows;
    }

    private async Task<List<(string Type, long Count)>> FailedJobsAsync()
    {
        var result = new List<(string, long)>();
        await using var connection = new NpgsqlConnection(cs);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("/*bench*/ SELECT split_part(invocationdata ->> 'Type', ',', 1) || '.' || (invocationdata ->> 'Method'), count(*) FROM hangfire.job WHERE statename = 'Failed' GROUP BY 1 ORDER BY 2 DESC", connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) result.Add((reader.GetString(0), reader.GetInt64(1)));
        return result;
    }

    private async Task<(int Missing, int NotPushed)> InboxAsync(List<Alert> alerts)
    {
        if (alerts.Count == 0) return (0, 0);
        await using var connection = new NpgsqlConnection(cs);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            /*bench*/ SELECT
              (SELECT count(*) FROM unnest(@ids) AS a(id) CROSS JOIN unnest(@users) AS u(user_id)
               WHERE NOT EXISTS (SELECT 1 FROM inbox_recipients r WHERE r.notification_id = a.id AND r.user_id = u.user_id)),
              (SELECT count(*) FROM inbox_notifications n WHERE n.id = ANY(@ids) AND n.pushed_at IS NULL)
            """, connection);
        command.Parameters.AddWithValue("ids", alerts.Select(a => a.Id!.Value).ToArray());
        command.Parameters.AddWithValue("users", Enumerable.Range(0, OfficeUsers).Select(OfficeUser).ToArray());
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return ((int)reader.GetInt64(0), (int)reader.GetInt64(1));
    }

    private async Task<long> ScalarAsync(string sql)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var connection = new NpgsqlConnection(cs);
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand(sql, connection);
                return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
            }
            catch (NpgsqlException) when (attempt < 10)
            {
                NpgsqlConnection.ClearAllPools();
                await Task.Delay(1000);
            }
        }
    }

    private static double Median(List<double> values) => P(values, 50);

    private static double P(List<double> values, double p)
    {
        if (values.Count == 0) return double.NaN;
        var sorted = values.Order().ToArray();
        return sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    private static double Max(List<double> values) => values.Count == 0 ? double.NaN : values.Max();

    private static IReadOnlyList<(double, double)> PerSecond(IEnumerable<double> seconds)
    {
        var counts = new SortedDictionary<int, int>();
        foreach (var s in seconds) counts[(int)Math.Floor(s)] = counts.GetValueOrDefault((int)Math.Floor(s)) + 1;
        if (counts.Count == 0) return [];
        var last = counts.Keys.Max();
        return Enumerable.Range(0, last + 1).Select(i => ((double)i, (double)counts.GetValueOrDefault(i))).ToList();
    }

    /// <summary>Series over the run's seconds, with each fault shaded from its start to its end and labelled.</summary>
    private static void Chart(string name, string title, string yLabel, List<(double Start, double End, string Label)> faults,
        params (string Label, IReadOnlyList<(double Seconds, double Value)> Points)[] series)
    {
        var plot = new Plot();
        foreach (var (label, points) in series.Where(x => x.Points.Count > 0))
        {
            var line = plot.Add.ScatterLine(points.Select(p => p.Seconds).ToArray(), points.Select(p => p.Value).ToArray());
            line.LegendText = label;
        }
        var top = series.SelectMany(x => x.Points).Select(p => p.Value).DefaultIfEmpty(1).Max();
        foreach (var (start, end, label) in faults)
        {
            var span = plot.Add.HorizontalSpan(start, Math.Max(end, start + 0.5));
            span.FillStyle.Color = Colors.Red.WithAlpha(0.12);
            span.LineStyle.Width = 0;
            var text = plot.Add.Text(label, start, top);
            text.LabelFontSize = 10;
            text.LabelFontColor = Colors.DarkRed;
        }
        plot.ShowLegend(Alignment.UpperLeft);
        plot.Title(title);
        plot.XLabel("seconds from the start of the traffic (faults shaded)");
        plot.YLabel(yLabel);
        Directory.CreateDirectory("bench-results");
        plot.SavePng(Path.Combine("bench-results", name + ".png"), 1100, 460);
    }
}
