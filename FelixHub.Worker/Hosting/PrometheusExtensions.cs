using FelixHub.Core.Monitoring;
using FelixHub.Worker.Api;
using Prometheus;

namespace FelixHub.Worker.Hosting;

public static class PrometheusExtensions
{
    public const string Path = "/metrics";
    private static int defaultsConfigured;

    /// <summary>Keeps prometheus-net's process metrics and drops its .NET-meter/event-counter adapters (noisy, and they export counters as expiring gauges).</summary>
    public static void ConfigurePrometheusDefaults()
    {
        if (Interlocked.Exchange(ref defaultsConfigured, 1) == 1) return;
        Metrics.SuppressDefaultMetrics(new SuppressDefaultMetricOptions
        {
            SuppressProcessMetrics = false,
            SuppressDebugMetrics = true,
            SuppressEventCounters = true,
            SuppressMeters = true,
        });
    }

    /// <summary>
    /// <c>/metrics</c> in Prometheus text format: prometheus-net exports the .NET meters, FelixHub's
    /// among them (jobs, Telegram sends and latency, breaker state, WB sync duration). Answered to the
    /// trusted networks (where a scraper lives) or with the API key.
    /// </summary>
    public static WebApplication MapFelixHubMetrics(this WebApplication app)
    {
        _ = app.Services.GetRequiredService<CircuitBreakers>(); // declares the breakers' gauges at start-up
        var access = app.Services.GetRequiredService<AccessPolicy>();
        app.UseWhen(http => http.Request.Path.StartsWithSegments(Path), branch => branch.Use(async (http, next) =>
        {
            if (access.IsTrusted(http) || access.HasValidApiKey(http))
            {
                await next(http);
                return;
            }
            http.Response.StatusCode = StatusCodes.Status403Forbidden;
            await Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden.",
                detail: AccessPolicy.Refusal(http, "/metrics answers trusted networks (Api:TrustedNetworks) or a valid X-Api-Key.")).ExecuteAsync(http);
        }));
        app.MapMetrics(Path);
        return app;
    }
}
