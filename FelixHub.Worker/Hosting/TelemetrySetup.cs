using System.Diagnostics;
using System.Text.RegularExpressions;
using FelixHub.Core.Monitoring;
using FelixHub.Worker.Api;
using FelixHub.Worker.Jobs;
using Microsoft.Extensions.Options;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace FelixHub.Worker.Hosting;

/// <summary>
/// OpenTelemetry: traces (ASP.NET Core requests, Hangfire jobs, HttpClient calls to Telegram and WB,
/// Npgsql commands) and metrics (FelixHub's meter, Polly's resilience telemetry, ASP.NET Core, HttpClient,
/// the .NET runtime), served at <c>/metrics</c> by the Prometheus exporter and sent over OTLP when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set. Tests add exporters with
/// <c>services.ConfigureOpenTelemetryTracerProvider(...)</c>.
/// </summary>
public static partial class TelemetrySetup
{
    public const string MetricsPath = "/metrics";
    public const string ServiceName = "felixhub-worker";
    public const string OtlpEndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>The span tag holding the API's X-Request-Id, on the request's span and on the jobs it enqueued.</summary>
    public const string RequestIdTag = "felixhub.request_id";

    /// <summary>Polly v8's meter; the resilience pipelines are built with its telemetry (Polly.Extensions' AddResiliencePipeline).</summary>
    public const string PollyMeterName = "Polly";

    private const string NpgsqlSourceName = "Npgsql";

    /// <summary>Paths whose requests are not traced: probes, the scraper, the dashboard's polling, long-lived sockets.</summary>
    private static readonly string[] UntracedPaths = ["/alive", "/ready", "/health", MetricsPath, DashboardExtensions.DashboardPath, "/ws"];

    public static WebApplicationBuilder AddFelixHubTelemetry(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        builder.Services.AddOptions<TelemetryOptions>().BindConfiguration(TelemetryOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        // Which instrumentations exist is decided here, from the raw keys (a value that does not parse is
        // left to the options' own validation at start-up); the sampler and the processor read the validated options.
        var defaults = new TelemetryOptions();
        var traces = Flag(configuration, nameof(TelemetryOptions.Traces), defaults.Traces);
        var databaseCommands = Flag(configuration, nameof(TelemetryOptions.TraceDatabaseCommands), defaults.TraceDatabaseCommands);
        var otlp = !string.IsNullOrWhiteSpace(configuration[OtlpEndpointKey]);

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(
                serviceName: configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } name ? name : ServiceName,
                serviceVersion: typeof(TelemetrySetup).Assembly.GetName().Version?.ToString()))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(FelixHubMetrics.MeterName, PollyMeterName)
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddRuntimeInstrumentation()
                    .AddPrometheusExporter(o =>
                    {
                        // Served without OpenTelemetry's scope labels, so series look as they always did
                        // (felixhub_jobs_total{job="…",outcome="…"}), and never from a stale cache.
                        o.ScopeInfoEnabled = false;
                        o.ScrapeResponseCacheDurationMilliseconds = 0;
                    });
                if (otlp) metrics.AddOtlpExporter();
            });

        if (traces)
        {
            telemetry.WithTracing(tracing =>
            {
                tracing.AddSource(JobTelemetryFilter.ActivitySourceName)
                    .AddAspNetCoreInstrumentation(o => o.Filter = http => !UntracedPaths.Any(p => http.Request.Path.StartsWithSegments(p)))
                    .AddHttpClientInstrumentation()
                    // Runs before any exporter: secrets out of URLs, SQL text off unless asked for.
                    .AddProcessor(sp => new RedactingProcessor(Options(sp).TraceDatabaseStatements));
                if (databaseCommands) tracing.AddNpgsql();
                // OTEL_TRACES_SAMPLER, when set, is the SDK's to read; otherwise the worker's own.
                if (string.IsNullOrWhiteSpace(configuration["OTEL_TRACES_SAMPLER"]))
                    tracing.SetSampler(sp => CreateSampler(Options(sp).TraceSampleRatio ?? (otlp ? 1.0 : 0.0)));
                if (otlp) tracing.AddOtlpExporter();
            });
        }
        return builder;
    }

    private static TelemetryOptions Options(IServiceProvider services) => services.GetRequiredService<IOptions<TelemetryOptions>>().Value;

    private static bool Flag(IConfiguration configuration, string key, bool fallback) =>
        bool.TryParse(configuration[$"{TelemetryOptions.Section}:{key}"], out var value) ? value : fallback;

    /// <summary>
    /// <c>/metrics</c> in Prometheus text format (OpenTelemetry's exporter): FelixHub's meter, Polly's, ASP.NET
    /// Core's, HttpClient's and the runtime's. Answered to the trusted networks (where a scraper lives) or
    /// with the API key.
    /// </summary>
    public static WebApplication MapFelixHubMetrics(this WebApplication app)
    {
        _ = app.Services.GetRequiredService<CircuitBreakers>(); // declares the breakers (closed) at start-up
        var access = app.Services.GetRequiredService<AccessPolicy>();
        app.UseWhen(http => http.Request.Path.StartsWithSegments(MetricsPath), branch => branch.Use(async (http, next) =>
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
        app.UseOpenTelemetryPrometheusScrapingEndpoint(MetricsPath);
        return app;
    }

    /// <summary>
    /// A span inside this process follows its parent. A request or job whose parent came from elsewhere
    /// follows it when the caller recorded it; a caller that did not (or sent no parent) leaves the choice
    /// to the worker's ratio. The ratio is applied to the trace id, so a request and the jobs it enqueued
    /// (same trace id) are always both recorded or both not.
    /// </summary>
    internal static Sampler CreateSampler(double ratio)
    {
        var root = new RootSampler(ratio);
        return new ParentBasedSampler(root, remoteParentSampled: null, remoteParentNotSampled: root, localParentSampled: null, localParentNotSampled: null);
    }

    /// <summary>
    /// Root spans: database commands and HTTP calls made outside any request or job (Hangfire's own polling
    /// and heartbeats, the bot's long poll) start no trace of their own; everything else is sampled at the ratio.
    /// </summary>
    internal sealed class RootSampler(double ratio) : Sampler
    {
        private readonly TraceIdRatioBasedSampler byRatio = new(ratio);

        public override SamplingResult ShouldSample(in SamplingParameters samplingParameters) =>
            samplingParameters.Kind == ActivityKind.Client ? new SamplingResult(SamplingDecision.Drop) : byRatio.ShouldSample(samplingParameters);
    }

    /// <summary>
    /// Before spans leave the process: the bot token out of every tag and name (a Bot API URL is
    /// <c>…/bot&lt;token&gt;/method</c>); off database spans, the connection string and, unless
    /// <see cref="TelemetryOptions.TraceDatabaseStatements"/>, the SQL text. WB keys travel in the Authorization header,
    /// which no instrumentation records.
    /// </summary>
    internal sealed partial class RedactingProcessor(bool keepStatements) : BaseProcessor<Activity>
    {
        public const string Redacted = "/bot<redacted>";

        public override void OnEnd(Activity data)
        {
            if (data.Source.Name == NpgsqlSourceName)
            {
                // The whole connection string, on every command: db.namespace and server.* say the same.
                data.SetTag("db.npgsql.data_source", null);
                if (!keepStatements)
                {
                    data.SetTag("db.query.text", null);
                    data.SetTag("db.statement", null);
                }
            }
            if (data.DisplayName.Contains("/bot", StringComparison.Ordinal)) data.DisplayName = Redact(data.DisplayName);
            List<KeyValuePair<string, string>>? redacted = null;
            foreach (ref readonly var tag in data.EnumerateTagObjects())
            {
                if (tag.Value is string text && text.Contains("/bot", StringComparison.Ordinal) && Redact(text) is var clean && !ReferenceEquals(clean, text))
                    (redacted ??= []).Add(new(tag.Key, clean));
            }
            if (redacted is null) return;
            foreach (var (key, value) in redacted) data.SetTag(key, value);
        }

        public static string Redact(string text) => BotToken().Replace(text, Redacted);

        [GeneratedRegex(@"/bot\d+:[^/?#\s]+")]
        private static partial Regex BotToken();
    }
}
