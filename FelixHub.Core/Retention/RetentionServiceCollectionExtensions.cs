using FelixHub.Core.Common;
using Hangfire;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FelixHub.Core.Retention;

public static class RetentionServiceCollectionExtensions
{
    /// <summary>The daily retention job; features declare what it may delete with <see cref="RetentionRuleServiceCollectionExtensions.AddRetentionRule"/>.</summary>
    public static IServiceCollection AddRetention(this IServiceCollection services)
    {
        services.AddOptions<RetentionOptions>().BindConfiguration(RetentionOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddScoped<RetentionJob>();
        services.AddRecurringJob(RetentionJob.RecurringJobId, (jobs, sp) => jobs.AddOrUpdate<RetentionJob>(
            RetentionJob.RecurringJobId, job => job.ExecuteAsync(CancellationToken.None),
            sp.GetRequiredService<IOptions<RetentionOptions>>().Value.Cron,
            new RecurringJobOptions { TimeZone = TimeZoneInfo.Utc }));
        return services;
    }
}
