using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FelixHub.Worker.Hosting;

public static class HealthExtensions
{
    /// <summary>The tag of the checks <c>/ready</c> runs: whether this replica can serve (its database and Hangfire's storage answer).</summary>
    public const string ReadyTag = "ready";

    public static IServiceCollection AddFelixHubHealth(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database", HealthStatus.Unhealthy, [ReadyTag], TimeSpan.FromSeconds(5))
            .AddCheck<HangfireHealthCheck>("hangfire", HealthStatus.Unhealthy, [ReadyTag], TimeSpan.FromSeconds(5))
            .AddCheck<AlertsHealthCheck>("alerts", HealthStatus.Unhealthy, ["business"], TimeSpan.FromSeconds(10))
            .AddCheck<DeliveryWakerHealthCheck>("delivery-waker", HealthStatus.Degraded, ["business"]);
        return services;
    }

    /// <summary>
    /// The three probes, each 200 when healthy or degraded and 503 when unhealthy, with a JSON body:
    /// <c>/alive</c> runs no check (the process answers: for liveness probes, never the database's
    /// fault); <c>/ready</c> runs the <see cref="ReadyTag"/> checks (for readiness probes and load
    /// balancers: a replica that cannot reach its database leaves the rotation, one with a business
    /// alert stays in); <c>/health</c> runs every check, the alerts included (for uptime monitors).
    /// </summary>
    public static WebApplication MapFelixHubHealth(this WebApplication app)
    {
        app.MapHealthChecks("/alive", Options(_ => false));
        app.MapHealthChecks("/ready", Options(check => check.Tags.Contains(ReadyTag)));
        app.MapHealthChecks("/health", Options(_ => true));
        return app;
    }

    private static HealthCheckOptions Options(Func<HealthCheckRegistration, bool> predicate) => new()
    {
        Predicate = predicate,
        ResultStatusCodes =
        {
            [HealthStatus.Healthy] = StatusCodes.Status200OK,
            [HealthStatus.Degraded] = StatusCodes.Status200OK,
            [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
        },
        ResponseWriter = WriteJsonAsync,
    };

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = false };

    private static Task WriteJsonAsync(HttpContext http, HealthReport report)
    {
        http.Response.ContentType = "application/json; charset=utf-8";
        var body = new
        {
            status = report.Status.ToString().ToLowerInvariant(),
            totalDurationMs = Math.Round(report.TotalDuration.TotalMilliseconds, 1),
            checks = report.Entries.ToDictionary(e => e.Key, e => new
            {
                status = e.Value.Status.ToString().ToLowerInvariant(),
                description = e.Value.Description,
                durationMs = Math.Round(e.Value.Duration.TotalMilliseconds, 1),
                data = e.Value.Data,
            }),
        };
        return http.Response.WriteAsync(JsonSerializer.Serialize(body, Json));
    }
}
