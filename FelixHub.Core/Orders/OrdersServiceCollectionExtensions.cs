using FelixHub.Core.Common;
using Hangfire;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace FelixHub.Core.Orders;

public static class OrdersServiceCollectionExtensions
{
    public static IServiceCollection AddOrders(this IServiceCollection services)
    {
        services.AddOptions<NotificationsOptions>().BindConfiguration(NotificationsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddScoped<OrderService>();
        services.AddScoped<NotificationLogDelivery>();
        services.AddScoped<MechanicStatusNotificationJob>();
        services.TryAddScoped<IOrderNotifications, NoOrderNotifications>();
        services.AddScoped<MechanicNotificationRecoveryJob>();
        services.AddRecurringJob(MechanicNotificationRecoveryJob.RecurringJobId, (jobs, sp) => jobs.AddOrUpdate<MechanicNotificationRecoveryJob>(
            MechanicNotificationRecoveryJob.RecurringJobId, job => job.ExecuteAsync(CancellationToken.None),
            sp.GetRequiredService<IOptions<NotificationsOptions>>().Value.RecoveryCron));
        services.AddRecurringWorkProbe(MechanicNotificationRecoveryJob.RecurringJobId, "SELECT 1 FROM order_status_changes WHERE notification_pending");
        return services;
    }
}
