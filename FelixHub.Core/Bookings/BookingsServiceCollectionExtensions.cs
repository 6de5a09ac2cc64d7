using FelixHub.Core.Delivery;
using Microsoft.Extensions.DependencyInjection;

namespace FelixHub.Core.Bookings;

public static class BookingsServiceCollectionExtensions
{
    /// <summary>Users, bookings and their reminders (seed 001), written into the delivery ledger.</summary>
    public static IServiceCollection AddBookings(this IServiceCollection services)
    {
        services.AddOptions<BookingsOptions>().BindConfiguration(BookingsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddScoped<BookingService>();
        services.AddSingleton<IDeliveryHooks, BookingDeliveryHooks>();
        return services;
    }
}
