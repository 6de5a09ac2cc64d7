using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using FelixHub.Tests.Infrastructure;

namespace FelixHub.Bench;

/// <summary>
/// Issue 25 §2, WebSockets at scale: N <see cref="ClientWebSocket"/>s in this
/// process on <c>/ws</c> of one or more worker processes sharing one database (sockets
/// spread evenly, round robin), then office alerts (<c>POST /api/alerts</c> with <c>office: true</c>,
/// always to the first replica) measured from the API call to each socket's receipt, and mark-as-read
/// measured from the API call to the same user's other socket.
/// <para>
/// The office is modelled as <c>sockets / 2</c> office users (<c>Inbox:OfficeUserIds</c>) with two
/// sockets each (a desk browser and a second tab or device): every socket gets the alert, and every
/// user has another socket for the read to reach. User u's sockets are 2u and 2u+1, so with three
/// replicas they sit on two different replicas and both the alert and the read cross the backplane.
/// </para>
/// Bounded: every wait has a deadline; a socket that misses an event is counted, not waited for.
/// </summary>
internal sealed class InboxBenchmark(BenchDatabase cluster, DeliveryBenchmarks delivery)
{
    private const int SocketsPerUser = 2;
    private const int MeasuredAlerts = 5;

    /// <summary>
    /// Alerts before the measured ones. The first alerts after a worker starts run partly on code the JIT
    /// has not optimised yet (tiered compilation promotes a method after some calls, in the background):
    /// the first one reaches the last socket about twice as late as the rest. A worker that has been up
    /// a while is warm, so the figures are those of a warm worker; the first alert's p99 is shown apart.
    /// </summary>
    private const int WarmUpAlerts = 3;

    private const int Alerts = WarmUpAlerts + MeasuredAlerts;
    private const int MaxReads = 20;
    private const int ConnectConcurrency = 64;

    public async Task<List<Figure>> RunAsync(string scenario, int sockets, int replicas)
    {
        var users = sockets / SocketsPerUser;
        CheckFileLimit(sockets);
        var cs = await cluster.CreateDatabaseAsync();
        await using var telegram = await FakeTelegramServer.StartAsync();
        var extra = new Dictionary<string, string?>();
        for (var u = 0; u < users; u++) extra[$"Inbox:OfficeUserIds:{u.ToString(CultureInfo.InvariantCulture)}"] = UserId(u);

        // One after the other: replicas started together race their start-up migrations (issue 25 §3).
        var workers = new List<BenchWorker>();
        var clients = new List<Client>();
        using var invoker = new HttpMessageInvoker(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(30) });
        try
        {
            for (var r = 0; r < replicas; r++)
                workers.Add(await BenchWorker.StartAsync(cluster.RepositoryDirectory, delivery.Settings(cs, telegram, extra)));
            var workerFds = workers.Select(w => OpenFileLimit($"/proc/{w.Pid.ToString(CultureInfo.InvariantCulture)}/limits")).Min();
            if (workerFds < sockets / replicas + 1_000)
                throw new InvalidOperationException($"{scenario}: a worker may open {workerFds} files, too few for {sockets / replicas} sockets; raise `ulimit -n` before running the benchmark.");

            // 1. Connect every socket; connected = the handshake is done. Registered = its first event (the unread count) arrived.
            for (var i = 0; i < sockets; i++) clients.Add(new Client(i / SocketsPerUser, workers[i % replicas]));
            var connectClock = Stopwatch.StartNew();
            var next = -1;
            var failures = 0;
            string? firstFailure = null;
            await Task.WhenAll(Enumerable.Range(0, ConnectConcurrency).Select(async _ =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < clients.Count)
                {
                    try
                    {
                        await clients[i].ConnectAsync(invoker);
                    }
                    catch (Exception ex) when (ex is WebSocketException or HttpRequestException or OperationCanceledException or IOException)
                    {
                        Interlocked.Increment(ref failures);
                        Interlocked.CompareExchange(ref firstFailure, ex.GetBaseException().Message, null);
                    }
                }
            }));
            var connectSeconds = connectClock.Elapsed.TotalSeconds;
            if (firstFailure is not null) Console.Error.WriteLine($"    {scenario}: {failures} socket(s) failed to connect, the first: {firstFailure}");
            var open = clients.Where(c => c.Connected).ToList();
            await WaitUntilAsync(() => open.All(c => c.Registered.Task.IsCompleted), TimeSpan.FromSeconds(60));
            var registeredSeconds = connectClock.Elapsed.TotalSeconds;
            var unregistered = open.Count(c => !c.Registered.Task.IsCompleted);

            // 2. Office alerts: the warm-up ones (not measured), then the measured ones, each after the previous has arrived everywhere.
            var api = workers[0].Http;
            var latencies = new List<double>();
            var missed = 0;
            var apiMs = new List<double>();
            var firstMs = new List<double>();
            var spreadMs = new List<double>();
            Guid lastAlert = default;
            var coldP99 = double.NaN;
            for (var k = 0; k < Alerts; k++)
            {
                var started = Stopwatch.GetTimestamp();
                using var response = await api.PostAsJsonAsync("/api/alerts", new { type = "equipment_alert", message = AlertText(k), priority = "high", office = true });
                var answered = Stopwatch.GetTimestamp();
                if (!response.IsSuccessStatusCode)
                    throw new InvalidOperationException($"{scenario}: POST /api/alerts answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                using (var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()))
                    lastAlert = body.RootElement.GetProperty("id").GetGuid();
                var alert = k;
                await WaitUntilAsync(() => open.All(c => c.AlertAt(alert) != 0), TimeSpan.FromSeconds(60));
                if (k == 0)
                    coldP99 = Percentile(open.Where(c => c.AlertAt(0) != 0).Select(c => Stopwatch.GetElapsedTime(started, c.AlertAt(0)).TotalMilliseconds).Order().ToArray(), 99);
                if (k >= WarmUpAlerts)
                {
                    apiMs.Add(Stopwatch.GetElapsedTime(started, answered).TotalMilliseconds);
                    var these = new List<double>();
                    foreach (var c in open)
                    {
                        if (c.AlertAt(k) is var at and not 0) these.Add(Stopwatch.GetElapsedTime(started, at).TotalMilliseconds);
                        else missed++;
                    }
                    latencies.AddRange(these);
                    if (these.Count > 0)
                    {
                        firstMs.Add(these.Min());
                        spreadMs.Add(these.Max() - these.Min());
                        Console.Error.WriteLine($"    {scenario}: alert {k - WarmUpAlerts + 1}: POST {Stopwatch.GetElapsedTime(started, answered).TotalMilliseconds:F0} ms, first socket {these.Min():F0} ms, p99 {Percentile(these.Order().ToArray(), 99):F0} ms, last {these.Max():F0} ms");
                    }
                }
                await Task.Delay(500);
            }
            var rss = workers.Select(w => w.Memory()).ToList();

            // 3. Mark-as-read: the user reads the last alert on socket 2u (its replica's API); measured to socket 2u+1.
            var readMs = new List<double>();
            var readsMissed = 0;
            for (var u = 0; u < Math.Min(MaxReads, users); u++)
            {
                var (reader, other) = (clients[u * SocketsPerUser], clients[u * SocketsPerUser + 1]);
                if (!reader.Connected || !other.Connected) continue;
                var started = Stopwatch.GetTimestamp();
                using var response = await reader.Worker.Http.PostAsync($"/api/inbox/{lastAlert}/read?userId={UserId(u)}", null);
                if (!response.IsSuccessStatusCode)
                    throw new InvalidOperationException($"{scenario}: POST /api/inbox/…/read answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                await WaitUntilAsync(() => other.ReadAt(lastAlert) != 0, TimeSpan.FromSeconds(10));
                if (other.ReadAt(lastAlert) is var at and not 0) readMs.Add(Stopwatch.GetElapsedTime(started, at).TotalMilliseconds);
                else readsMissed++;
            }

            var sorted = latencies.Order().ToArray();
            var reads = readMs.Order().ToArray();
            var size = replicas == 1 ? $"{sockets:N0} sockets" : $"{replicas} replicas × {sockets / replicas:N0} sockets";
            Charts.Distribution(scenario, $"{scenario}: office alert, POST /api/alerts → each socket, {size}", "ms", sorted);
            double? p99Target = replicas == 1 ? sockets >= 10_000 ? 500 : sockets >= 1_000 ? 100 : null : null;
            var maxRss = rss.Max(m => m.RssMb);
            var peakRss = rss.Max(m => m.PeakRssMb);
            return
            [
                new(scenario, "sockets", open.Count, "", $"= {sockets}", open.Count == sockets),
                new(scenario, "replicas", replicas, ""),
                new(scenario, "office users (2 sockets each)", users, ""),
                new(scenario, "connect: all handshakes done", connectSeconds, "s", sockets >= 10_000 ? "≤ 10" : null, sockets >= 10_000 ? connectSeconds <= 10 : null),
                new(scenario, "connect: failures", failures, "", "0", failures == 0),
                new(scenario, "connect: all first events (unread count) in", registeredSeconds, "s"),
                new(scenario, "connect: sockets without a first event", unregistered, "", "0", unregistered == 0),
                new(scenario, "alert: POST /api/alerts answered (p50)", Percentile(apiMs.Order().ToArray(), 50), "ms"),
                new(scenario, "alert stage: POST → first socket (p50)", Median(firstMs), "ms"),
                new(scenario, "alert stage: first → last socket (p50)", Median(spreadMs), "ms"),
                new(scenario, "alert → socket p50", Percentile(sorted, 50), "ms"),
                new(scenario, "alert → socket p99", Percentile(sorted, 99), "ms", p99Target is { } t ? $"≤ {t}" : null, p99Target is { } t2 ? Percentile(sorted, 99) <= t2 : null),
                new(scenario, "alert → socket max", sorted.Length > 0 ? sorted[^1] : double.NaN, "ms"),
                new(scenario, $"alert receipts ({MeasuredAlerts} alerts)", sorted.Length, ""),
                new(scenario, "first alert after start (not in the figures above) → socket p99", coldP99, "ms"),
                new(scenario, "alert: sockets that never got it", missed, "", "0", missed == 0),
                new(scenario, "read → user's other socket p50", Percentile(reads, 50), "ms"),
                new(scenario, "read → user's other socket max", reads.Length > 0 ? reads[^1] : double.NaN, "ms"),
                new(scenario, "read: other sockets that never got it", readsMissed, "", "0", readsMissed == 0),
                new(scenario, replicas == 1 ? "worker RSS with the sockets" : "worker RSS with the sockets (largest replica)", maxRss, "MB",
                    sockets / replicas >= 10_000 ? "≤ 1024" : null, sockets / replicas >= 10_000 ? maxRss <= 1024 : null),
                new(scenario, "worker peak RSS", peakRss, "MB"),
            ];
        }
        finally
        {
            foreach (var c in clients) c.Dispose();
            foreach (var w in workers) await w.DisposeAsync();
        }
    }

    private static double Median(List<double> values) => Percentile(values.Order().ToArray(), 50);

    private static string UserId(int u) => "office-" + u.ToString("D5", CultureInfo.InvariantCulture);

    private static string AlertText(int k) => "bench alert " + k.ToString(CultureInfo.InvariantCulture);

    /// <summary>This process holds every client socket: refuse early, with the reason, when they cannot fit.</summary>
    private static void CheckFileLimit(int sockets)
    {
        var limit = OpenFileLimit("/proc/self/limits");
        if (limit < sockets + 1_000)
            throw new InvalidOperationException($"The benchmark may open {limit} files, too few for {sockets} sockets; raise `ulimit -n` (soft limit) first.");
    }

    /// <summary>The soft "Max open files" of a process, from /proc/PID/limits.</summary>
    private static long OpenFileLimit(string path)
    {
        var line = File.ReadLines(path).First(l => l.StartsWith("Max open files", StringComparison.Ordinal));
        var soft = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
        return soft == "unlimited" ? long.MaxValue : long.Parse(soft, CultureInfo.InvariantCulture);
    }

    private static async Task WaitUntilAsync(Func<bool> done, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!done() && clock.Elapsed < timeout) await Task.Delay(5);
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];

    /// <summary>
    /// One socket of office user <see cref="User"/>, and what it received: the arrival time (a
    /// <see cref="Stopwatch"/> timestamp, taken as soon as a message is complete) of each bench alert
    /// and of each read event, by notification id.
    /// </summary>
    private sealed class Client(int user, BenchWorker worker) : IDisposable
    {
        private readonly ClientWebSocket socket = new();
        private readonly long[] alerts = new long[Alerts];
        private readonly Dictionary<Guid, long> reads = [];

        public int User { get; } = user;
        public BenchWorker Worker { get; } = worker;
        public bool Connected { get; private set; }
        public TaskCompletionSource Registered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public long AlertAt(int k) => Volatile.Read(ref alerts[k]);

        public long ReadAt(Guid id)
        {
            lock (reads) return reads.GetValueOrDefault(id);
        }

        public async Task ConnectAsync(HttpMessageInvoker invoker)
        {
            // Like a browser: no client pings (the server pings and drops sockets that do not answer).
            socket.Options.KeepAliveInterval = TimeSpan.Zero;
            var uri = new Uri(Worker.Http.BaseAddress!.ToString().Replace("http://", "ws://", StringComparison.Ordinal) + "ws?userId=" + UserId(User));
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await socket.ConnectAsync(uri, invoker, timeout.Token);
            Connected = true;
            _ = Task.Run(ReceiveLoopAsync);
        }

        private async Task ReceiveLoopAsync()
        {
            var buffer = new byte[2048];
            var message = new MemoryStream();
            try
            {
                while (true)
                {
                    var result = await socket.ReceiveAsync(buffer.AsMemory(), CancellationToken.None);
                    if (result.MessageType == WebSocketMessageType.Close) return;
                    if (!result.EndOfMessage || message.Length > 0)
                    {
                        message.Write(buffer, 0, result.Count);
                        if (!result.EndOfMessage) continue;
                    }
                    var at = Stopwatch.GetTimestamp();
                    var bytes = message.Length > 0 ? message.ToArray().AsMemory() : buffer.AsMemory(0, result.Count);
                    message.SetLength(0);
                    Record(bytes, at);
                }
            }
            catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or OperationCanceledException or IOException)
            {
                // Disposed at the end of the run, or the server dropped the socket (counted as missed events).
            }
        }

        private void Record(ReadOnlyMemory<byte> json, long at)
        {
            using var doc = JsonDocument.Parse(json);
            var data = doc.RootElement.GetProperty("data");
            if (data.TryGetProperty("notification", out var notification))
            {
                var text = notification.GetProperty("message").GetString() ?? "";
                for (var k = 0; k < Alerts; k++)
                    if (text == AlertText(k)) Volatile.Write(ref alerts[k], at);
            }
            else if (data.TryGetProperty("read_notification_id", out var read))
            {
                lock (reads) reads[read.GetGuid()] = at;
            }
            else
            {
                Registered.TrySetResult();
            }
        }

        public void Dispose() => socket.Dispose();
    }
}
