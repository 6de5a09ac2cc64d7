using FelixHub.Core.Common;
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
        // The dispatcher's own due condition (served by the partial index on next_attempt_at).
        services.AddRecurringWorkProbe(BookingReminderDispatchJob.RecurringJobId,
            "SELECT 1 FROM booking_notifications WHERE status IN ('PENDING', 'PROCESSING') AND next_attempt_at <= $1", passesNow: true);
        return services;
    }
}
