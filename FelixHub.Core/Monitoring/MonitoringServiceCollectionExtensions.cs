using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace FelixHub.Core.Monitoring;

public static class MonitoringServiceCollectionExtensions
{
    public static IServiceCollection AddMonitoring(this IServiceCollection services)
    {
        services.AddOptions<AlertOptions>().BindConfiguration(AlertOptions.Section).ValidateDataAnnotations()
            .Validate(o => o.SuccessRateCriticalPercent <= o.SuccessRateWarningPercent, "Alerts:SuccessRateCriticalPercent must not exceed SuccessRateWarningPercent.")
            .Validate(o => IsKnownTimeZone(o.TimeZone), "Alerts:TimeZone is not a known time zone id (e.g. Europe/Moscow, UTC).")
            .ValidateOnStart();
        services.TryAddSingleton<CircuitBreakers>();
        services.AddScoped<AlertEvaluator>();
        services.AddScoped<MetricsService>();
        return services;
    }

    private static bool IsKnownTimeZone(string id)
    {
        try
        {
            TimeZoneInfo.FindSystemTimeZoneById(id);
            return true;
        }
        catch (TimeZoneNotFoundException)
        {
            return false;
        }
        catch (InvalidTimeZoneException)
        {
            return false;
        }
    }
}
