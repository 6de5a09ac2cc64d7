using System.ComponentModel;
using Hangfire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FelixHub.Core.Bookings;

/// <summary>
/// The recurring job (<see cref="RecurringJobId"/>, cron <c>Bookings:DispatchCron</c>) that sends due
/// booking reminders. No Hangfire retry: the next tick is the retry, and failed reminders are retried
/// by their own row's schedule. A run that fails (e.g. the database is away) shows as Failed.
/// </summary>
public sealed partial class BookingReminderDispatchJob(
    BookingReminderDispatcher dispatcher,
    BookingDispatchGate gate,
    IBackgroundJobClient jobs,
    IOptionsMonitor<BookingsOptions> options,
    ILogger<BookingReminderDispatchJob> logger)
{
    public const string RecurringJobId = "booking-reminders-dispatch";

    [AutomaticRetry(Attempts = 0)]
    [DisplayName("Booking reminders: dispatch due reminders")]
    public async Task<DispatchSummary> ExecuteAsync(CancellationToken cancellationToken)
    {
        if (!gate.TryEnter())
        {
            LogSkipped(logger);
            return new DispatchSummary();
        }
        DispatchSummary summary;
        try
        {
            summary = await dispatcher.RunAsync(cancellationToken);
            if (summary.Claimed > 0)
                LogDone(logger, summary.Claimed, summary.Batches, summary.Sent, summary.Failed, summary.Retrying, summary.Skipped);
            else
                LogNothingDue(logger);
        }
        finally
        {
            gate.Exit();
        }

        // A run stops after MaxPerRun reminders so that one job stays short; when it stopped for that
        // reason, the rest goes on in a follow-up run now rather than at the next tick.
        if (summary.Claimed >= options.CurrentValue.MaxPerRun)
        {
            jobs.Enqueue<BookingReminderDispatchJob>(job => job.ExecuteAsync(CancellationToken.None));
            LogContinued(logger, summary.Claimed);
        }
        return summary;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Booking reminder dispatch claimed its maximum of {Claimed} in one run; a follow-up run is enqueued for the rest")]
    private static partial void LogContinued(ILogger logger, int claimed);

    [LoggerMessage(Level = LogLevel.Information, Message = "A booking reminder dispatch run is still going in this process; this one skips")]
    private static partial void LogSkipped(ILogger logger);

    [LoggerMessage(Level = LogLevel.Debug, Message = "No booking reminders due")]
    private static partial void LogNothingDue(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Booking reminders dispatched: {Claimed} claimed in {Batches} batches, {Sent} sent, {Failed} failed, {Retrying} to retry, {Skipped} skipped")]
    private static partial void LogDone(ILogger logger, int claimed, int batches, int sent, int failed, int retrying, int skipped);
}
