using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

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
        return services;
    }
}
