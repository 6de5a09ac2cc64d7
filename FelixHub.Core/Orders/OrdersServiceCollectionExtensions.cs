using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace FelixHub.Core.Orders;

public static class OrdersServiceCollectionExtensions
{
    public static IServiceCollection AddOrders(this IServiceCollection services)
    {
        services.AddScoped<OrderService>();
        services.TryAddScoped<IOrderNotifications, NoOrderNotifications>();
        return services;
    }
}
