using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace FelixHub.Tests.Infrastructure;

/// <summary>
/// The real worker as a separate process (<c>dotnet FelixHub.Worker.dll</c> from the build output) on a
/// free loopback port: what a replica is in production, so it can be killed with SIGKILL or stopped
/// with SIGTERM. Its console log is kept for the test's report.
/// </summary>
public sealed class WorkerProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly ConcurrentQueue<string> lines = new();

    private WorkerProcess(Process process, string baseUrl)
    {
        this.process = process;
        BaseUrl = baseUrl;
        Http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(30) };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lines.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lines.Enqueue("stderr: " + e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string BaseUrl { get; }
    public HttpClient Http { get; }
    public int Pid => process.Id;
    public bool HasExited => process.HasExited;
    public int ExitCode => process.ExitCode;
    public IReadOnlyList<string> Output => lines.ToArray();

    /// <summary>The worker assembly of the same build configuration as the tests (Release under scripts/test.sh).</summary>
    public static string WorkerAssembly
    {
        get
        {
            var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var framework = testBin.Name;
            var configuration = testBin.Parent!.Name;
            return Path.Combine(PostgresServer.RepositoryRoot(), "FelixHub.Worker", "bin", configuration, framework, "FelixHub.Worker.dll");
        }
    }

    /// <summary>Test settings: those of the in-process worker, logging to the console at Information.</summary>
    public static Dictionary<string, string?> Defaults(string connectionString, FakeTelegramServer? telegram)
    {
        var settings = new Dictionary<string, string?>(TestWorker.Defaults(connectionString, telegram))
        {
            ["Logging:Console"] = "true",
            ["Serilog:MinimumLevel:Default"] = "Information",
            ["Serilog:MinimumLevel:Override:Microsoft.AspNetCore"] = "Warning",
            ["Serilog:MinimumLevel:Override:Hangfire"] = "Information",
        };
        settings.Remove("urls");
        return settings;
    }

    public static async Task<WorkerProcess> StartAsync(string connectionString, FakeTelegramServer? telegram,
        IDictionary<string, string?>? overrides = null, TimeSpan? startTimeout = null)
    {
        var (start, baseUrl) = StartInfo(connectionString, telegram, overrides);
        var worker = new WorkerProcess(Process.Start(start)!, baseUrl);
        var deadline = DateTime.UtcNow + (startTimeout ?? TimeSpan.FromSeconds(180));
        while (true)
        {
            if (worker.HasExited)
                throw new InvalidOperationException($"The worker exited with {worker.ExitCode} while starting:\n{worker.Tail()}");
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
                throw new TimeoutException($"The worker did not become healthy:\n{worker.Tail()}");
            }
            await Task.Delay(200);
        }
    }

    /// <summary>
    /// Starts a worker that is expected to stop by itself (e.g. refuse its configuration) and waits for
    /// it to exit: its exit code and console, or a <see cref="TimeoutException"/> if it is still running.
    /// </summary>
    public static async Task<(int ExitCode, string Output)> RunUntilExitAsync(string connectionString, FakeTelegramServer? telegram,
        IDictionary<string, string?>? overrides = null, TimeSpan? timeout = null)
    {
        var (start, baseUrl) = StartInfo(connectionString, telegram, overrides);
        await using var worker = new WorkerProcess(Process.Start(start)!, baseUrl);
        if (!await worker.WaitForExitAsync(timeout ?? TimeSpan.FromSeconds(60)))
            throw new TimeoutException($"The worker is still running:\n{worker.Tail()}");
        // WaitForExitAsync returns once the output streams are drained too.
        return (worker.ExitCode, string.Join('\n', worker.Output));
    }

    private static (ProcessStartInfo Start, string BaseUrl) StartInfo(string connectionString, FakeTelegramServer? telegram, IDictionary<string, string?>? overrides)
    {
        var dll = WorkerAssembly;
        if (!File.Exists(dll)) throw new FileNotFoundException("Build the solution first: the worker assembly is missing.", dll);
        var settings = Defaults(connectionString, telegram);
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>()) settings[key] = value;
        var baseUrl = $"http://127.0.0.1:{FreePort().ToString(CultureInfo.InvariantCulture)}";
        settings["urls"] = baseUrl;

        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        foreach (var (key, value) in settings) start.ArgumentList.Add($"--{key}={value}");
        // The settings above decide: nothing of the test runner's environment leaks into the worker's.
        foreach (var name in new[] { "ASPNETCORE_URLS", "DOTNET_URLS", "ASPNETCORE_ENVIRONMENT", "DOTNET_ENVIRONMENT", "FELIXHUB_API_KEY", "FELIXHUB_ALLOW_TRUSTED_WITHOUT_KEY" })
            start.Environment.Remove(name);
        return (start, baseUrl);
    }

    /// <summary>SIGKILL: the process dies at once, mid-whatever, as with <c>kill -9</c>.</summary>
    public void Kill() => process.Kill(entireProcessTree: false);

    /// <summary>SIGTERM, as an orchestrator stops a container: the host's graceful shutdown.</summary>
    public void Terminate()
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", Pid.ToString(CultureInfo.InvariantCulture) }, UseShellExecute = false })!;
        kill.WaitForExit();
        if (kill.ExitCode != 0) throw new InvalidOperationException($"kill -TERM {Pid} failed with {kill.ExitCode}");
    }

    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>The last lines of the worker's console, for a failing test's message.</summary>
    public string Tail(int count = 60) => string.Join('\n', Output.TakeLast(count));

    public IEnumerable<string> Lines(string containing) => Output.Where(l => l.Contains(containing, StringComparison.Ordinal));

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
            process.Kill(entireProcessTree: true);
            await WaitForExitAsync(TimeSpan.FromSeconds(10));
        }
        process.Dispose();
    }
}
