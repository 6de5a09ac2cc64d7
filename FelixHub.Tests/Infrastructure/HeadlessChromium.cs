using System.Diagnostics;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;

namespace FelixHub.Tests.Infrastructure;

/// <summary>
/// Debian's Chromium, headless, driven over the DevTools protocol with a plain ClientWebSocket: open a
/// page, evaluate JavaScript in it. For checking that a front end's own code works against the worker.
/// </summary>
public sealed class HeadlessChromium : IAsyncDisposable
{
    public const string Binary = "/usr/bin/chromium";

    private readonly Process process;
    private readonly string profile;
    private readonly ClientWebSocket page = new();
    private int nextId;

    private HeadlessChromium(Process process, string profile)
    {
        this.process = process;
        this.profile = profile;
    }

    public static async Task<HeadlessChromium> StartAsync()
    {
        if (!File.Exists(Binary))
            throw new InvalidOperationException($"{Binary} is missing: scripts/test.sh installs Debian's chromium package.");
        var profile = Directory.CreateTempSubdirectory("felixhub-chromium-").FullName;
        var psi = new ProcessStartInfo(Binary) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[]
        {
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", $"--user-data-dir={profile}", "about:blank",
        }) psi.ArgumentList.Add(arg);
        var process = Process.Start(psi)!;
        var chromium = new HeadlessChromium(process, profile);

        // "DevTools listening on ws://127.0.0.1:PORT/devtools/browser/<id>"
        string? browserUrl = null;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (browserUrl is null && DateTime.UtcNow < deadline)
        {
            var line = await process.StandardError.ReadLineAsync() ?? throw new InvalidOperationException("chromium exited early");
            var at = line.IndexOf("ws://", StringComparison.Ordinal);
            if (line.Contains("DevTools listening", StringComparison.Ordinal) && at >= 0) browserUrl = line[at..].Trim();
        }
        _ = process.StandardError.ReadToEndAsync(); // keep draining
        var port = new Uri(browserUrl ?? throw new TimeoutException("chromium did not open its DevTools port")).Port;
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var targets = (await http.GetFromJsonAsync<JsonArray>("/json/list"))!;
        var pageUrl = targets.First(t => t!["type"]!.GetValue<string>() == "page")!["webSocketDebuggerUrl"]!.GetValue<string>();
        await chromium.page.ConnectAsync(new Uri(pageUrl), CancellationToken.None);
        return chromium;
    }

    public async Task NavigateAsync(string url)
    {
        await SendAsync("Page.enable", new JsonObject());
        await SendAsync("Page.navigate", new JsonObject { ["url"] = url });
    }

    /// <summary>Navigates and waits until the new document has loaded (the old one carried a marker the new one lacks).</summary>
    public async Task LoadAsync(string url)
    {
        await EvaluateAsync("window.__felixhubPrevious = true");
        await NavigateAsync(url);
        await Eventually.Until(async () => await EvaluateAsync("window.__felixhubPrevious === undefined && document.readyState === 'complete'") == "true",
            $"{url} to load");
    }

    /// <summary>The size of the window pages are laid out in (CSS pixels).</summary>
    public Task SetViewportAsync(int width, int height) =>
        SendAsync("Emulation.setDeviceMetricsOverride", new JsonObject { ["width"] = width, ["height"] = height, ["deviceScaleFactor"] = 1, ["mobile"] = false });

    /// <summary>A PNG of the whole page (beyond the window's height), at the window's width.</summary>
    public async Task<byte[]> ScreenshotAsync()
    {
        var metrics = await SendAsync("Page.getLayoutMetrics", new JsonObject());
        var width = metrics!["cssLayoutViewport"]!["clientWidth"]!.GetValue<double>();
        var height = metrics["cssContentSize"]!["height"]!.GetValue<double>();
        var shot = await SendAsync("Page.captureScreenshot", new JsonObject
        {
            ["format"] = "png",
            ["captureBeyondViewport"] = true,
            ["clip"] = new JsonObject { ["x"] = 0, ["y"] = 0, ["width"] = width, ["height"] = Math.Ceiling(height), ["scale"] = 1 },
        });
        return Convert.FromBase64String(shot!["data"]!.GetValue<string>());
    }

    /// <summary>Evaluates an expression in the page (awaiting its promise if asked) and returns its value as a string.</summary>
    public async Task<string?> EvaluateAsync(string expression, bool awaitPromise = false)
    {
        var result = await SendAsync("Runtime.evaluate", new JsonObject { ["expression"] = expression, ["returnByValue"] = true, ["awaitPromise"] = awaitPromise });
        return result?["result"]?["value"]?.ToString();
    }

    private async Task<JsonNode?> SendAsync(string method, JsonObject parameters)
    {
        var id = Interlocked.Increment(ref nextId);
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters }.ToJsonString();
        await page.SendAsync(Encoding.UTF8.GetBytes(message), WebSocketMessageType.Text, true, CancellationToken.None);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var buffer = new byte[1 << 16];
        while (true)
        {
            using var text = new MemoryStream();
            WebSocketReceiveResult received;
            do
            {
                received = await page.ReceiveAsync(buffer, timeout.Token);
                text.Write(buffer, 0, received.Count);
            } while (!received.EndOfMessage);
            var reply = JsonNode.Parse(text.ToArray());
            if (reply?["id"]?.GetValue<int>() == id)
                return reply["error"] is { } error ? throw new InvalidOperationException($"{method}: {error}") : reply["result"];
        }
    }

    public async ValueTask DisposeAsync()
    {
        page.Dispose();
        try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        await process.WaitForExitAsync();
        process.Dispose();
        try { Directory.Delete(profile, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
