using Hangfire;
using Microsoft.Extensions.DependencyInjection;

namespace FelixHub.Core.Common;

/// <summary>A recurring Hangfire job a feature declares; the host registers all of them at start-up (idempotent, so every replica may).</summary>
/// <see cref="TriggerOnStart"/>: the host also runs it once when it starts, for work that must not wait for the first tick after a restart.
public sealed record RecurringJobDefinition(string Id, Action<IRecurringJobManager, IServiceProvider> Register, bool TriggerOnStart = false);

public static class RecurringJobServiceCollectionExtensions
{
    /// <summary>Declares a recurring job with a stable id; <paramref name="register"/> calls <c>AddOrUpdate</c> with the configured schedule.</summary>
    public static IServiceCollection AddRecurringJob(this IServiceCollection services, string id, Action<IRecurringJobManager, IServiceProvider> register,
        bool triggerOnStart = false) =>
        services.AddSingleton(new RecurringJobDefinition(id, register, triggerOnStart));
}
