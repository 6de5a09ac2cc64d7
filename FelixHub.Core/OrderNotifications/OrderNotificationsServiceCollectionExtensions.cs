using FelixHub.Core.Common;
using FelixHub.Core.Monitoring;
using FelixHub.Core.Orders;
using Hangfire;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace FelixHub.Core.OrderNotifications;

public static class OrderNotificationsServiceCollectionExtensions
{
    /// <summary>The order messages: the mechanic on status changes, admins on new orders and stuck orders, mechanics on assignment, customers on status changes; the mechanic's status buttons; the recipients' own choices.</summary>
    public static IServiceCollection AddOrderNotifications(this IServiceCollection services)
    {
        services.AddOptions<NotificationsOptions>().BindConfiguration(NotificationsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.Replace(ServiceDescriptor.Scoped<IOrderNotifications, OrderNotificationPlanner>());
        services.AddSingleton<MechanicOrderButtons>();
        services.AddScoped<Recipients.RecipientPreferencesService>();
        services.AddScoped<StuckOrderCheckJob>();
        services.AddRecurringJob(StuckOrderCheckJob.RecurringJobId, (jobs, sp) => jobs.AddOrUpdate<StuckOrderCheckJob>(
            StuckOrderCheckJob.RecurringJobId, job => job.ExecuteAsync(CancellationToken.None),
            sp.GetRequiredService<IOptions<AlertOptions>>().Value.StuckOrderCheckCron));
        return services;
    }
}
