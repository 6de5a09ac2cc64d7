using System.Diagnostics;
using System.Text.Encodings.Web;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using FelixHub.Core.Common;
using FelixHub.Worker.Api;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Net.Http.Headers;
using Serilog;
using Serilog.Formatting.Compact;

namespace FelixHub.Worker.Hosting;

public static partial class DefaultsExtensions
{
    public const string RequestIdHeader = "X-Request-Id";

    /// <summary>Configuration aliases, Serilog, JSON, ProblemDetails, limits: what every endpoint relies on.</summary>
    public static WebApplicationBuilder AddFelixHubDefaults(this WebApplicationBuilder builder)
    {
        builder.Configuration.AddEnvironmentAliases(Environment.GetEnvironmentVariables());
        RaiseThreadPoolMinimum(builder.Configuration.GetValue<int?>("Hosting:MinThreadPoolThreads") ?? 100);
        builder.Services.AddSingleton(TimeProvider.System);

        builder.Services.AddOptions<LoggingOptions>().BindConfiguration("Logging");
        builder.Services.AddSerilog(preserveStaticLogger: true, configureLogger: (services, logger) =>
        {
            var json = string.Equals(builder.Configuration["Logging:Format"], "json", StringComparison.OrdinalIgnoreCase);
            var console = builder.Configuration.GetValue<bool?>("Logging:Console") ?? true;
            logger.ReadFrom.Configuration(builder.Configuration)
                .ReadFrom.Services(services)
                .Enrich.FromLogContext()
                .Enrich.With<CorrelationEnricher>();
            if (!console) return;
            if (json)
                logger.WriteTo.Console(new RenderedCompactJsonFormatter());
            else
                logger.Enrich.With<CorrelationTagEnricher>().WriteTo.Console(outputTemplate:
                    "[{Timestamp:HH:mm:ss} {Level:u3}] {SourceContext}{CorrelationTag}: {Message:lj}{NewLine}{Exception}");
        });

        builder.Services.AddApiAccess();
        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            if (Correlation.RequestId is { } requestId) context.ProblemDetails.Extensions["requestId"] = requestId;
        });
        builder.Services.AddExceptionHandler<ProblemDetailsExceptionHandler>();
        // Minimal APIs answer a malformed body with a bare 400 unless told to throw; we want ProblemDetails.
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.Configure<JsonOptions>(o =>
        {
            o.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
            o.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
            o.SerializerOptions.Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
        });
        builder.WebHost.ConfigureKestrel(kestrel =>
            kestrel.Limits.MaxRequestBodySize = builder.Configuration.GetValue<long?>("Api:MaxRequestBodyBytes") ?? 1_048_576);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(
            builder.Configuration.GetValue<int?>("Hangfire:ShutdownTimeoutSeconds") ?? 30));
        return builder;
    }

    /// <summary>
    /// Hangfire's client and storage are synchronous: every enqueue from a request, and every job's
    /// state change, blocks a thread-pool thread on database I/O. The pool starts with one thread per
    /// core and adds about one a second, so a burst of status changes would queue behind it (measured:
    /// 75 concurrent PATCHes on 2 cores waited > 30 s). Starting with more threads removes that wait.
    /// </summary>
    private static void RaiseThreadPoolMinimum(int minimum)
    {
        ThreadPool.GetMinThreads(out var worker, out var io);
        if (worker < minimum || io < minimum)
            ThreadPool.SetMinThreads(Math.Max(worker, minimum), Math.Max(io, minimum));
    }

    public static WebApplication UseFelixHubDefaults(this WebApplication app)
    {
        app.UseFelixHubForwardedHeaders();
        app.Use(async (http, next) =>
        {
            var requestId = http.Request.Headers[RequestIdHeader].ToString();
            if (!RequestIdPattern().IsMatch(requestId)) requestId = Guid.NewGuid().ToString("N");
            http.TraceIdentifier = requestId;
            http.Response.Headers[RequestIdHeader] = requestId;
            // The request's span carries it too, so a requestId from a log line or a caller finds its trace.
            if (Activity.Current is { IsAllDataRequested: true } span) span.SetTag(TelemetrySetup.RequestIdTag, requestId);
            using (Correlation.Push(Correlation.RequestIdKey, requestId))
                await next(http);
        });
        app.Use(async (http, next) =>
        {
            // The JSON reader would look the charset up and throw (a 500) for one it does not know.
            if (!DeclaresUtf8OrNoCharset(http.Request.ContentType))
            {
                await Results.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type.",
                    detail: "JSON request bodies must be UTF-8 (RFC 8259): send no charset or charset=utf-8.").ExecuteAsync(http);
                return;
            }
            await next(http);
        });
        app.UseSerilogRequestLogging(o => o.GetLevel = (http, _, ex) =>
            ex is not null || http.Response.StatusCode >= 500 ? Serilog.Events.LogEventLevel.Error
            : http.Request.Path.StartsWithSegments("/hangfire") || http.Request.Path.StartsWithSegments("/health") ? Serilog.Events.LogEventLevel.Debug
            : Serilog.Events.LogEventLevel.Information);
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("FelixHub.Worker");
            foreach (var url in app.Urls)
                LogListening(logger, url, url.TrimEnd('/') + DashboardExtensions.DashboardPath);
        });
        return app;
    }

    private static bool DeclaresUtf8OrNoCharset(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType) || !MediaTypeHeaderValue.TryParse(contentType, out var media)) return true;
        var charset = media.Charset.ToString();
        var json = media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || media.MediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
        return !json || charset.Length == 0
            || charset.Trim('"').Equals("utf-8", StringComparison.OrdinalIgnoreCase) || charset.Trim('"').Equals("utf8", StringComparison.OrdinalIgnoreCase);
    }

    [GeneratedRegex("^[A-Za-z0-9._:-]{1,64}$")]
    private static partial Regex RequestIdPattern();

    [LoggerMessage(Level = LogLevel.Information, Message = "FelixHub worker listening on {Url}; Hangfire dashboard at {DashboardUrl}")]
    private static partial void LogListening(Microsoft.Extensions.Logging.ILogger logger, string url, string dashboardUrl);
}
