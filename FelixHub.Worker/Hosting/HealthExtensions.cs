using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FelixHub.Worker.Hosting;

public static class HealthExtensions
{
    public static IServiceCollection AddFelixHubHealth(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database", HealthStatus.Unhealthy, ["ready"], TimeSpan.FromSeconds(5))
            .AddCheck<HangfireHealthCheck>("hangfire", HealthStatus.Unhealthy, ["ready"], TimeSpan.FromSeconds(5))
            .AddCheck<AlertsHealthCheck>("alerts", HealthStatus.Unhealthy, ["ready"], TimeSpan.FromSeconds(10));
        return services;
    }

    /// <summary><c>/health</c>: 200 when healthy or degraded, 503 when unhealthy; JSON with each check.</summary>
    public static WebApplication MapFelixHubHealth(this WebApplication app)
    {
        app.MapHealthChecks("/health", new HealthCheckOptions
        {
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status200OK,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
            ResponseWriter = WriteJsonAsync,
        });
        return app;
    }

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
