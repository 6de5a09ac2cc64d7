using Microsoft.Extensions.DependencyInjection;

namespace FelixHub.Core.Delivery;

public static class DeliveryServiceCollectionExtensions
{
    /// <summary>
    /// The delivery pipeline: the ledger's outbox for features, the one sender, the per-message send job
    /// and the dead-letter rule. The host registers the Hangfire client keyed
    /// <see cref="DeliveryOutbox.JobClientKey"/> that enqueues in the caller's transaction.
    /// </summary>
    public static IServiceCollection AddDelivery(this IServiceCollection services)
    {
        services.AddOptions<DeliveryOptions>().BindConfiguration(DeliveryOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddScoped<DeliveryOutbox>();
        services.AddScoped<DeliverySender>();
        services.AddScoped<DeliveryJob>();
        services.AddSingleton<DeliveryDeadLetter>();
        return services;
    }
}
