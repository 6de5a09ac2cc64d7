using Microsoft.Extensions.DependencyInjection;

namespace FelixHub.Core.Bookings;

public static class BookingsServiceCollectionExtensions
{
    /// <summary>Users, bookings, reminder planning and the recurring reminder dispatch job (seed 001).</summary>
    public static IServiceCollection AddBookings(this IServiceCollection services)
    {
        services.AddOptions<BookingsOptions>().BindConfiguration(BookingsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddScoped<BookingService>();
        services.AddScoped<BookingReminderDispatcher>();
        services.AddScoped<BookingReminderDispatchJob>();
        services.AddSingleton<BookingDispatchGate>();
        services.AddHostedService<BookingReminderSchedule>();
        return services;
    }
}
