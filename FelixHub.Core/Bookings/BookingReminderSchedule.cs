using Hangfire;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FelixHub.Core.Bookings;

/// <summary>Registers (or updates) the recurring dispatch job when the host starts; every replica does, idempotently.</summary>
internal sealed partial class BookingReminderSchedule(
    IRecurringJobManager recurringJobs,
    IOptions<BookingsOptions> options,
    ILogger<BookingReminderSchedule> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var cron = options.Value.DispatchCron;
        recurringJobs.AddOrUpdate<BookingReminderDispatchJob>(
            BookingReminderDispatchJob.RecurringJobId,
            job => job.ExecuteAsync(CancellationToken.None),
            cron,
            new RecurringJobOptions { TimeZone = TimeZoneInfo.Utc });
        LogRegistered(logger, BookingReminderDispatchJob.RecurringJobId, cron);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Recurring job {RecurringJobId} registered with cron {Cron} (UTC)")]
    private static partial void LogRegistered(ILogger logger, string recurringJobId, string cron);
}
