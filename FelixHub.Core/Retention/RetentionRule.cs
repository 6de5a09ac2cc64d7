using Microsoft.Extensions.DependencyInjection;

namespace FelixHub.Core.Retention;

/// <summary>
/// What one feature lets the retention job remove: <paramref name="DeleteBatchSql"/> deletes at most
/// <c>$2</c> rows older than <c>$1</c> (a timestamptz) and is run until it deletes fewer; it must pick its
/// rows by an index and skip rows someone holds (<c>FOR UPDATE SKIP LOCKED</c>) so a batch never waits.
/// <paramref name="Days"/> reads the age from <see cref="RetentionOptions"/>.
/// </summary>
public sealed record RetentionRule(string Name, Func<RetentionOptions, int> Days, string DeleteBatchSql);

public static class RetentionRuleServiceCollectionExtensions
{
    /// <summary>Declares what the daily retention job may delete for a feature.</summary>
    public static IServiceCollection AddRetentionRule(this IServiceCollection services, RetentionRule rule) =>
        services.AddSingleton(rule);
}
