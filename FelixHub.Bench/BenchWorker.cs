using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace FelixHub.Bench;

/// <summary>
/// The real worker as a child process (<c>dotnet FelixHub.Worker.dll</c>, Release build), configured
/// like production except for the endpoints it talks to, so its memory and CPU are its own and can
/// be read from <c>/proc</c>. Its console is drained (and kept, for an error message).
/// </summary>
internal sealed class BenchWorker : IAsyncDisposable
{
    private readonly Process process;
    private readonly ConcurrentQueue<string> tail = new();

    private BenchWorker(Process process, string baseUrl)
    {
        this.process = process;
        Http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(60) };
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public HttpClient Http { get; }
    public int Pid => process.Id;

    /// <summary>With <c>FELIXHUB_BENCH_WORKER_LOGS=1</c> every worker's console goes to <c>bench-results/logs/worker-PID.log</c>.</summary>
    private StreamWriter? log;

    private void Keep(string? line)
    {
        if (line is null) return;
        if (log is { } writer) lock (writer) writer.WriteLine(line);
        tail.Enqueue(line);
        while (tail.Count > 200) tail.TryDequeue(out _);
    }

    public string Tail => string.Join('\n', tail);

    public static async Task<BenchWorker> StartAsync(string repositoryRoot, IDictionary<string, string?> settings)
    {
        var dll = Path.Combine(repositoryRoot, "FelixHub.Worker", "bin", "Release", "net10.0", "FelixHub.Worker.dll");
        if (!File.Exists(dll)) throw new FileNotFoundException("Build the worker in Release first (dotnet build -c Release).", dll);
        var baseUrl = $"http://127.0.0.1:{FreePort().ToString(CultureInfo.InvariantCulture)}";
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        foreach (var (key, value) in settings) start.ArgumentList.Add($"--{key}={value}");
        start.ArgumentList.Add($"--urls={baseUrl}");
        foreach (var name in new[] { "ASPNETCORE_URLS", "DOTNET_URLS", "ASPNETCORE_ENVIRONMENT", "DOTNET_ENVIRONMENT" }) start.Environment.Remove(name);

        var worker = new BenchWorker(Process.Start(start)!, baseUrl);
        if (Environment.GetEnvironmentVariable("FELIXHUB_BENCH_WORKER_LOGS") == "1")
        {
            Directory.CreateDirectory(Path.Combine("bench-results", "logs"));
            worker.log = new StreamWriter(Path.Combine("bench-results", "logs", $"worker-{worker.Pid}.log")) { AutoFlush = true };
        }
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (true)
        {
            if (worker.process.HasExited) throw new InvalidOperationException($"The worker exited while starting:\n{worker.Tail}");
            try
            {
                using var response = await worker.Http.GetAsync("/health");
                if (response.StatusCode == HttpStatusCode.OK) return worker;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            if (DateTime.UtcNow > deadline)
            {
                await worker.DisposeAsync();
                throw new TimeoutException($"The worker did not become healthy:\n{worker.Tail}");
            }
            await Task.Delay(200);
        }
    }

    /// <summary>Resident memory now and its peak over the process's life, in MB (from /proc/PID/status).</summary>
    public (double RssMb, double PeakRssMb) Memory()
    {
        double rss = 0, peak = 0;
        foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) rss = Kb(line) / 1024.0;
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal)) peak = Kb(line) / 1024.0;
        }
        return (rss, peak);

        static long Kb(string line) => long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }

    /// <summary>CPU time the process used so far (user + system).</summary>
    public TimeSpan CpuTime() => TimeSpan.FromSeconds(StatTicks(File.ReadAllText($"/proc/{Pid}/stat")) / 100.0);

    /// <summary>utime + stime (clock ticks) of a /proc/PID/stat line: fields 14 and 15, counted after the "(comm)" field.</summary>
    public static long StatTicks(string stat)
    {
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!process.HasExited)
        {
            using (var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", Pid.ToString(CultureInfo.InvariantCulture) }, UseShellExecute = false })!)
                await kill.WaitForExitAsync();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(40));
            try { await process.WaitForExitAsync(cts.Token); }
            catch (OperationCanceledException) { process.Kill(entireProcessTree: true); }
        }
        process.Dispose();
        if (log is { } writer) lock (writer) writer.Dispose();
    }
}
