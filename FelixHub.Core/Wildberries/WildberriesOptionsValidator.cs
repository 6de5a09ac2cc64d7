using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace FelixHub.Core.Wildberries;

/// <summary>
/// Start-up checks the attributes cannot express: the interval is positive (<see cref="SyncSchedule"/>
/// turns it into the fan-out's cron), and Hangfire looks at its recurring jobs at least as often as the
/// fan-out runs (<c>Hangfire:SchedulePollingIntervalSeconds</c> is the precision of every recurring job,
/// so a shorter period would silently become the polling interval).
/// </summary>
internal sealed class WildberriesOptionsValidator(IConfiguration configuration) : IValidateOptions<WildberriesOptions>
{
    public ValidateOptionsResult Validate(string? name, WildberriesOptions options)
    {
        var failures = new List<string>();
        var plan = SyncSchedule.PlanFor(options.SyncIntervalSeconds);
        if (plan is null)
            failures.Add($"{SyncSchedule.Explanation}; got {options.SyncIntervalSeconds}.");

        if (plan is not null
            && double.TryParse(configuration["Hangfire:SchedulePollingIntervalSeconds"], NumberStyles.Float, CultureInfo.InvariantCulture, out var polling)
            && polling > plan.TickSeconds)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture,
                $"Hangfire:SchedulePollingIntervalSeconds ({polling}) is longer than the WB sync fan-out's period ({plan.TickSeconds} s for Wildberries:SyncIntervalSeconds {options.SyncIntervalSeconds}); Hangfire could not fire the sync that often."));
        }
        if (!string.IsNullOrWhiteSpace(options.WebhookUrl))
        {
            if (!Uri.TryCreate(options.WebhookUrl, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
                failures.Add("Wildberries:WebhookUrl must be an absolute http(s) URL.");
            if (options.WebhookSecret.Length < 16)
                failures.Add("Wildberries:WebhookSecret must be at least 16 characters when Wildberries:WebhookUrl is set.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
