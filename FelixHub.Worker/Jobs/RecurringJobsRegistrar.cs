using FelixHub.Core.Common;
using Hangfire;

namespace FelixHub.Worker.Jobs;

/// <summary>Registers every feature's recurring jobs when the host starts.</summary>
internal sealed partial class RecurringJobsRegistrar(
    IEnumerable<RecurringJobDefinition> definitions,
    IRecurringJobManager jobs,
    IServiceProvider services,
    ILogger<RecurringJobsRegistrar> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var definition in definitions)
        {
            definition.Register(jobs, services);
            LogRegistered(logger, definition.Id);
            if (definition.TriggerOnStart) jobs.Trigger(definition.Id);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Recurring job {RecurringJobId} registered")]
    private static partial void LogRegistered(ILogger logger, string recurringJobId);
}
