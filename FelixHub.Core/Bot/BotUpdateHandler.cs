using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Telegram.Bot;
using Telegram.Bot.Exceptions;
using Telegram.Bot.Polling;
using Telegram.Bot.Types;

namespace FelixHub.Core.Bot;

/// <summary>
/// Telegram.Bot's <see cref="IUpdateHandler"/> for the bot: each update in its own DI scope through
/// <see cref="BotUpdateProcessor"/>. The poller and the webhook endpoint both come through here.
/// </summary>
public sealed partial class BotUpdateHandler(IServiceScopeFactory scopes, ILogger<BotUpdateHandler> logger) : IUpdateHandler
{
    public const string Polling = "polling";
    public const string Webhook = "webhook";

    public Task HandleUpdateAsync(ITelegramBotClient botClient, Update update, CancellationToken cancellationToken) =>
        ProcessAsync(update, Polling, cancellationToken);

    /// <summary>The recorded outcome, or null for an update handled before.</summary>
    public async Task<string?> ProcessAsync(Update update, string source, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<BotUpdateProcessor>().ProcessAsync(update, source, cancellationToken);
    }

    public async Task MarkFailedAsync(Update update, string source, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<BotUpdateProcessor>().MarkFailedAsync(update, source, cancellationToken);
    }

    public Task HandleErrorAsync(ITelegramBotClient botClient, Exception exception, HandleErrorSource source, CancellationToken cancellationToken)
    {
        if (source == HandleErrorSource.PollingError)
        {
            if (exception is ApiRequestException { ErrorCode: 409 })
                LogConflict(logger, exception.Message);
            else
                LogPollingError(logger, exception.GetType().Name, exception.Message);
        }
        else
        {
            LogHandlingError(logger, exception, source.ToString());
        }
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Telegram getUpdates failed ({ErrorType}): {Error}")]
    private static partial void LogPollingError(ILogger logger, string errorType, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Telegram refused getUpdates with 409 (a webhook is set, or another process polls this bot): {Error}")]
    private static partial void LogConflict(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Handling a Telegram update failed ({Source}); it will be delivered again")]
    private static partial void LogHandlingError(ILogger logger, Exception exception, string source);
}
