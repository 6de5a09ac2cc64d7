using FelixHub.Core.Common;
using FelixHub.Core.Retention;
using FelixHub.Core.Telegram;
using Hangfire;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FelixHub.Core.Delivery;

public static class DeliveryServiceCollectionExtensions
{
    /// <summary>
    /// The delivery pipeline: the ledger's outbox for features, the one sender, the per-message send job,
    /// the dispatch path (recurring job, batches) for scheduled and bulk messages, and the dead-letter rule. The host registers the Hangfire client keyed
    /// <see cref="DeliveryOutbox.JobClientKey"/> that enqueues in the caller's transaction.
    /// </summary>
    public static IServiceCollection AddDelivery(this IServiceCollection services)
    {
        services.AddOptions<DeliveryOptions>().BindConfiguration(DeliveryOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddScoped<DeliveryOutbox>();
        services.AddScoped<DeliverySender>();
        services.AddScoped<DeliveryJob>();
        services.AddSingleton<DeliveryDeadLetter>();
        services.AddScoped<DeliveryDispatcher>();
        services.AddScoped<DeliveryDispatchJob>();
        services.AddSingleton<DeliveryDispatchGate>();
        // Writers hint it in any replica; it runs (AddDeliveryWaker) where a Hangfire server does.
        services.AddSingleton<DeliveryWaker>();
        services.AddScoped<DeliveryResender>();
        // A restart sends what came due while the process was down at once, not at the next tick.
        services.AddRecurringJob(DeliveryDispatchJob.RecurringJobId, (jobs, sp) => jobs.AddOrUpdate<DeliveryDispatchJob>(
            DeliveryDispatchJob.RecurringJobId, job => job.ExecuteAsync(CancellationToken.None),
            sp.GetRequiredService<IOptions<DeliveryOptions>>().Value.DispatchCron,
            new RecurringJobOptions { TimeZone = TimeZoneInfo.Utc }), triggerOnStart: true);
        // The dispatcher's own due condition (served by the partial index on next_attempt_at).
        services.AddRecurringWorkProbe(DeliveryDispatchJob.RecurringJobId, "SELECT 1 FROM delivery_messages WHERE next_attempt_at <= $1", passesNow: true);
        // Retention: finished messages and the attempt log, after Retention:DeliveryDays. A message not
        // finished (pending, sending) is never a candidate.
        services.AddRetentionRule(new RetentionRule("delivery_messages", o => o.DeliveryDays, """
            DELETE FROM delivery_messages WHERE id IN (
                SELECT id FROM delivery_messages
                WHERE created_at < $1 AND state IN ('sent', 'failed', 'skipped', 'cancelled')
                ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED)
            """));
        services.AddRetentionRule(new RetentionRule("notification_logs", o => o.DeliveryDays, """
            DELETE FROM notification_logs WHERE id IN (
                SELECT id FROM notification_logs WHERE sent_at < $1 ORDER BY sent_at LIMIT $2 FOR UPDATE SKIP LOCKED)
            """));
        return services;
    }

    /// <summary>
    /// A feature's default priority class for its <paramref name="kinds"/> on the bot's budget
    /// (<see cref="DeliveryOptions.Priorities"/>); a kind configured under <c>Delivery:Priorities</c> keeps
    /// its configured class.
    /// </summary>
    public static IServiceCollection AddDeliveryPriority(this IServiceCollection services, TelegramPriority priority, IReadOnlyList<string> kinds)
    {
        services.PostConfigure<DeliveryOptions>(o =>
        {
            foreach (var kind in kinds) o.Priorities.TryAdd(kind, priority);
        });
        return services;
    }

    /// <summary>
    /// Runs this replica's <see cref="DeliveryWaker"/> (messages sent at their due time, one LISTEN
    /// connection): for a replica that runs background work, i.e. a Hangfire server. <c>Delivery:WakerEnabled</c> switches it off.
    /// </summary>
    public static IServiceCollection AddDeliveryWaker(this IServiceCollection services)
    {
        services.AddHostedService(sp => sp.GetRequiredService<DeliveryWaker>());
        return services;
    }
}
