namespace FelixHub.Tests.Monitoring;

/// <summary>
/// The tests that open the Telegram circuit breaker on purpose and read its gauge. The gauge is a process-wide
/// instrument (one worker per process in production; in the test process every worker reports into it), so two
/// of these tests at once would read each other's breaker. They run one after the other, beside the rest.
/// </summary>
[CollectionDefinition(Name)]
public sealed class TelegramBreakerCollection
{
    public const string Name = "Telegram breaker";
}
