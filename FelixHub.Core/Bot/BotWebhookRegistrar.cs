using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Telegram.Bot;

namespace FelixHub.Core.Bot;

/// <summary>
/// In webhook mode, tells Telegram where to send updates (<c>setWebhook</c> with the URL and the
/// secret it must send back), retrying with backoff until Telegram agrees. Every replica does it; it
/// is idempotent.
/// </summary>
public sealed partial class BotWebhookRegistrar(
    BotClient clients,
    IOptionsMonitor<BotOptions> options,
    TimeProvider time,
    ILogger<BotWebhookRegistrar> logger) : BackgroundService
{
    private volatile bool registered;

    public bool IsRegistered => registered;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.CurrentValue;
        if (!o.ReceiveUpdates || !o.IsWebhookMode || !clients.IsConfigured) return;
        await Task.Yield();
        var url = new Uri(o.WebhookUrl);
        for (var attempt = 1; !stoppingToken.IsCancellationRequested; attempt++)
        {
            try
            {
                await clients.Create().SetWebhook(o.WebhookUrl, allowedUpdates: BotPoller.AllowedUpdates,
                    secretToken: o.WebhookSecret, cancellationToken: stoppingToken);
                registered = true;
                LogRegistered(logger, url.Host, url.AbsolutePath);
                return;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                var delay = TimeSpan.FromSeconds(Math.Min(300, Math.Pow(2, Math.Min(attempt - 1, 16))));
                LogFailed(logger, attempt, ex.Message, delay.TotalSeconds);
                try
                {
                    await Task.Delay(delay, time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Telegram webhook set to https://{Host}{Path}; updates arrive at POST /telegram/webhook")]
    private static partial void LogRegistered(ILogger logger, string host, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "setWebhook failed (attempt {Attempt}): {Error}; trying again in {DelaySeconds} s")]
    private static partial void LogFailed(ILogger logger, int attempt, string error, double delaySeconds);
}
