using System.ComponentModel;
using Hangfire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FelixHub.Core.Delivery;

/// <summary>
/// The recurring job (<see cref="RecurringJobId"/>, cron <c>Delivery:DispatchCron</c>) that sends the due
/// messages of the dispatch path: reminders at their time, a sync's events (a write of bulk messages
/// also starts a run at once, and every process starts one when it comes up). No Hangfire retry: the
/// next tick is the retry, and a message that failed is retried by its own row's schedule. A run that
/// fails (e.g. the database is away) shows as Failed under its own name, never as a dead letter.
/// </summary>
public sealed partial class DeliveryDispatchJob(
    DeliveryDispatcher dispatcher,
    DeliveryDispatchGate gate,
    IBackgroundJobClient jobs,
    IOptionsMonitor<DeliveryOptions> options,
    ILogger<DeliveryDispatchJob> logger)
{
    public const string RecurringJobId = "delivery-dispatch";

    [AutomaticRetry(Attempts = 0)]
    [DisplayName("Delivery: dispatch due messages")]
    public async Task<DispatchSummary> ExecuteAsync(CancellationToken cancellationToken)
    {
        var maxPerRun = options.CurrentValue.MaxPerRun;
        if (await gate.RunAsync(() => dispatcher.RunAsync(cancellationToken), maxPerRun) is not { } summary)
        {
            LogSkipped(logger);
            return new DispatchSummary();
        }
        if (summary.Claimed > 0)
            LogDone(logger, summary.Claimed, summary.Batches, summary.Sent, summary.Failed, summary.Retrying, summary.Skipped);
        else
            LogNothingDue(logger);

        // A run stops after MaxPerRun messages so that one job stays short; when it stopped for that
        // reason, the rest goes on in a follow-up run now rather than at the next tick.
        if (summary.Claimed >= maxPerRun)
        {
            jobs.Enqueue<DeliveryDispatchJob>(job => job.ExecuteAsync(CancellationToken.None));
            LogContinued(logger, summary.Claimed);
        }
        return summary;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Dispatch claimed its maximum of {Claimed} in one run; a follow-up run is enqueued for the rest")]
    private static partial void LogContinued(ILogger logger, int claimed);

    [LoggerMessage(Level = LogLevel.Information, Message = "A dispatch run is still going in this process; this one skips and that one makes another pass")]
    private static partial void LogSkipped(ILogger logger);

    [LoggerMessage(Level = LogLevel.Debug, Message = "No messages due")]
    private static partial void LogNothingDue(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Dispatched: {Claimed} claimed in {Batches} batches, {Sent} sent, {Failed} failed, {Retrying} to retry, {Skipped} not sent")]
    private static partial void LogDone(ILogger logger, int claimed, int batches, int sent, int failed, int retrying, int skipped);
}
