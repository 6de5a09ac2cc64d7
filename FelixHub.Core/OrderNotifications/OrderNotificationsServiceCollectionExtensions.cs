using FelixHub.Core.Orders;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace FelixHub.Core.OrderNotifications;

public static class OrderNotificationsServiceCollectionExtensions
{
    /// <summary>Seed 000's related notifications: admins on new orders, mechanics on assignment, customers on status changes.</summary>
    public static IServiceCollection AddOrderNotifications(this IServiceCollection services)
    {
        services.AddOptions<OrderNotificationsOptions>().BindConfiguration(OrderNotificationsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.Replace(ServiceDescriptor.Scoped<IOrderNotifications, OrderNotificationEnqueuer>());
        services.AddScoped<RelatedNotificationSender>();
        services.AddScoped<AdminNewOrderNotificationJob>();
        services.AddScoped<MechanicAssignmentNotificationJob>();
        services.AddScoped<CustomerStatusNotificationJob>();
        return services;
    }
}
