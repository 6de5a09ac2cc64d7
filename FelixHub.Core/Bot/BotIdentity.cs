using Microsoft.Extensions.Options;
using Telegram.Bot;

namespace FelixHub.Core.Bot;

/// <summary>The bot's @username for links: <c>Telegram:BotUsername</c>, or asked once with <c>getMe</c> and cached.</summary>
public sealed class BotIdentity(BotClient clients, IOptionsMonitor<BotOptions> options, IOptionsMonitor<Telegram.TelegramOptions> telegram)
{
    private readonly SemaphoreSlim gate = new(1, 1);
    private volatile CachedName? cached;

    /// <exception cref="BotUnavailableException">No username configured and the bot cannot be asked.</exception>
    public async Task<string> GetUsernameAsync(CancellationToken cancellationToken)
    {
        var configured = options.CurrentValue.BotUsername.TrimStart('@');
        if (configured.Length > 0) return configured;
        if (!clients.IsConfigured)
            throw new BotUnavailableException("The Telegram bot is not configured: set Telegram:BotToken (or Telegram:BotUsername for links only).");

        var botId = clients.BotId;
        if (cached is { } hit && hit.BotId == botId) return hit.Username;
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (cached is { } again && again.BotId == botId) return again.Username;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(telegram.CurrentValue.RequestTimeoutSeconds));
            string? username;
            try
            {
                username = (await clients.Create().GetMe(timeout.Token)).Username;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is not BotUnavailableException)
            {
                throw new BotUnavailableException("Telegram did not answer getMe; try again shortly, or set Telegram:BotUsername.", ex);
            }
            if (string.IsNullOrEmpty(username)) throw new BotUnavailableException("Telegram's getMe returned no username.");
            cached = new CachedName(botId, username);
            return username;
        }
        finally
        {
            gate.Release();
        }
    }

    private sealed record CachedName(long BotId, string Username);
}

/// <summary>The bot cannot be used right now (not configured, or Telegram unreachable): the API answers 503.</summary>
public sealed class BotUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
