using FelixHub.Worker.Hosting;
using Hangfire;
using Hangfire.Common;
using Microsoft.Extensions.Options;

namespace FelixHub.Worker.Jobs;

/// <summary>
/// Hangfire's global filters, minus its default retry (10 attempts), plus this host's filters:
/// the configured retry policy, telemetry (trace context, log correlation, job counts), the
/// dead-letter log and skipping recurring runs with nothing to do. Attributes on a job method
/// (e.g. <c>[AutomaticRetry(Attempts = 0)]</c>) still override the global retry.
/// </summary>
internal sealed class HostJobFilterProvider : IJobFilterProvider
{
    private readonly JobFilterProviderCollection providers;

    public HostJobFilterProvider(IOptions<HangfireOptions> options, JobTelemetryFilter telemetry, DeadLetterFilter deadLetter, SkipIdleRecurringJobsFilter skipIdle)
    {
        var o = options.Value;
        var host = new JobFilterCollection
        {
            new AutomaticRetryAttribute
            {
                Attempts = o.RetryAttempts,
                DelaysInSeconds = o.EffectiveRetryDelaysSeconds,
                OnAttemptsExceeded = AttemptsExceededAction.Fail,
            },
            telemetry,
            skipIdle,
        };
        host.Add(deadLetter, DeadLetterFilter.FilterOrder);
        providers = new JobFilterProviderCollection(new GlobalFiltersWithoutDefaultRetry(), host, new JobFilterAttributeFilterProvider());
    }

    public IEnumerable<JobFilter> GetFilters(Job job) => providers.GetFilters(job);

    private sealed class GlobalFiltersWithoutDefaultRetry : IJobFilterProvider
    {
        public IEnumerable<JobFilter> GetFilters(Job job) =>
            ((IJobFilterProvider)GlobalJobFilters.Filters).GetFilters(job).Where(f => f.Instance is not AutomaticRetryAttribute);
    }
}
