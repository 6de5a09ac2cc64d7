using FelixHub.Core.Telegram;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Polly.CircuitBreaker;
using Polly.Registry;
using Telegram.Bot.Exceptions;

namespace FelixHub.Tests.Telegram;

/// <summary>
/// The Telegram breaker as the worker builds it: a short first break, doubled by each failed probe, capped.
/// Its breaker reports into the process-wide breaker gauge too, so it runs in the breaker tests' collection.
/// </summary>
[Collection(FelixHub.Tests.Monitoring.TelegramBreakerCollection.Name)]
public sealed class BreakerBreakTests
{
    [Fact]
    public async Task Each_failed_probe_doubles_the_break_up_to_the_maximum_and_the_refusal_says_how_long_is_left()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Telegram:MaxRetryAttempts"] = "0",
            ["Telegram:BreakerMinimumThroughput"] = "2",
            ["Telegram:BreakerFailureRatio"] = "0.5",
            ["Telegram:BreakerSamplingSeconds"] = "30",
            ["Telegram:BreakerBreakSeconds"] = "1",
            ["Telegram:BreakerMaxBreakSeconds"] = "2",
        }).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging().AddSingleton(TimeProvider.System);
        services.AddTelegram();
        await using var provider = services.BuildServiceProvider();
        var pipeline = provider.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline(TelegramSender.PipelineName);

        // A call that reaches "Telegram" and fails with a 502: null. Refused by the open breaker: the break's time left.
        async Task<TimeSpan?> CallAsync()
        {
            try
            {
                await pipeline.ExecuteAsync(_ => ValueTask.FromException<int>(new ApiRequestException("Bad Gateway", 502)));
                return null;
            }
            catch (BrokenCircuitException refused)
            {
                return refused.RetryAfter ?? TimeSpan.Zero;
            }
            catch (ApiRequestException)
            {
                return null;
            }
        }

        (await CallAsync()).Should().BeNull();
        (await CallAsync()).Should().BeNull("two failures of two calls open the breaker");
        (await CallAsync()).Should().BeGreaterThan(TimeSpan.FromSeconds(0.5)).And.BeLessThanOrEqualTo(TimeSpan.FromSeconds(1), "the first break is 1 s");

        await Task.Delay(TimeSpan.FromSeconds(1.2));
        (await CallAsync()).Should().BeNull("after the break one probe goes through, and fails");
        (await CallAsync()).Should().BeGreaterThan(TimeSpan.FromSeconds(1.5), "a failed probe doubles the break");

        await Task.Delay(TimeSpan.FromSeconds(2.2));
        (await CallAsync()).Should().BeNull("the second probe, failing too");
        (await CallAsync()).Should().BeGreaterThan(TimeSpan.FromSeconds(1.5)).And.BeLessThanOrEqualTo(TimeSpan.FromSeconds(2), "4 s would be next; the maximum is 2 s");
    }
}
