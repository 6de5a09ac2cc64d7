using FelixHub.Core.Retention;
using Microsoft.Extensions.DependencyInjection;

namespace FelixHub.Core.Idempotency;

public static class IdempotencyServiceCollectionExtensions
{
    /// <summary>The <c>Idempotency-Key</c> store of the creating endpoints, and the retention rule that removes expired keys.</summary>
    public static IServiceCollection AddIdempotency(this IServiceCollection services)
    {
        services.AddOptions<IdempotencyOptions>().BindConfiguration(IdempotencyOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IdempotencyStore>();
        // Each row carries its own expiry (Idempotency:KeepHours after the first request), so the rule's
        // age is 0 days: $1 is the run's "now", and every key expired by then goes. An expired key is
        // free again even before this runs (the claim takes it over).
        services.AddRetentionRule(new RetentionRule("idempotency_requests", _ => 0, """
            DELETE FROM idempotency_requests WHERE (scope, key) IN (
                SELECT scope, key FROM idempotency_requests
                WHERE expires_at < $1 ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED)
            """));
        return services;
    }
}
