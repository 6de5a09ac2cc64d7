using FelixHub.Core.Orders;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace FelixHub.Core.OrderNotifications;

public static class OrderNotificationsServiceCollectionExtensions
{
    /// <summary>Seed 000's order messages: the mechanic on status changes, admins on new orders, mechanics on assignment, customers on status changes.</summary>
    public static IServiceCollection AddOrderNotifications(this IServiceCollection services)
    {
        services.AddOptions<NotificationsOptions>().BindConfiguration(NotificationsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.Replace(ServiceDescriptor.Scoped<IOrderNotifications, OrderNotificationPlanner>());
        return services;
    }
}
