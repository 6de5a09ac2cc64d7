using FelixHub.Core.Persistence;
using FelixHub.Worker.Hosting;
using Microsoft.Extensions.Options;

if (Probe.IsProbe(args)) return await Probe.RunAsync(args);

try
{
    var app = FelixHubApp.Build(args);
    await app.MigrateDatabaseAsync();
    await app.RunAsync();
    return 0;
}
catch (Exception e) when (ConfigurationFailures(e) is { Count: > 0 } failures)
{
    // A setting is missing or wrong: say which, without a stack trace, and exit with EX_CONFIG.
    await Console.Error.WriteLineAsync("FelixHub worker not started: the configuration is invalid.");
    foreach (var failure in failures) await Console.Error.WriteLineAsync("  " + failure);
    return FelixHubApp.ConfigurationErrorExitCode;
}

// The start-up validation throws one OptionsValidationException, or an AggregateException of them when several options fail.
static List<string> ConfigurationFailures(Exception e) => e switch
{
    OptionsValidationException invalid => invalid.Failures.ToList(),
    AggregateException { InnerExceptions: var inner } when inner.All(i => i is OptionsValidationException) =>
        inner.SelectMany(i => ((OptionsValidationException)i).Failures).ToList(),
    _ => [],
};
