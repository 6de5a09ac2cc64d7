using Hangfire;
using Microsoft.Extensions.DependencyInjection;

namespace FelixHub.Core.Common;

/// <summary>A recurring Hangfire job a feature declares; the host registers all of them at start-up (idempotent, so every replica may).</summary>
public sealed record RecurringJobDefinition(string Id, Action<IRecurringJobManager, IServiceProvider> Register);

public static class RecurringJobServiceCollectionExtensions
{
    /// <summary>Declares a recurring job with a stable id; <paramref name="register"/> calls <c>AddOrUpdate</c> with the configured schedule.</summary>
    public static IServiceCollection AddRecurringJob(this IServiceCollection services, string id, Action<IRecurringJobManager, IServiceProvider> register) =>
        services.AddSingleton(new RecurringJobDefinition(id, register));
}
