using FelixHub.Core.Telegram;
using Microsoft.Extensions.Options;
using Telegram.Bot;

namespace FelixHub.Core.Bot;

/// <summary>
/// Telegram.Bot clients for receiving (<c>getUpdates</c>, <c>setWebhook</c>, <c>getMe</c>): the same
/// token and <c>Telegram:ApiBaseUrl</c> as <see cref="ITelegramSender"/>, over their own factory-made
/// HttpClient whose timeout leaves room for a long poll. Replies still go through the one sender.
/// </summary>
public sealed class BotClient(IHttpClientFactory httpClientFactory, IOptionsMonitor<TelegramOptions> telegram)
{
    public const string HttpClientName = "telegram-updates";

    public bool IsConfigured => telegram.CurrentValue.IsConfigured;

    /// <summary>The bot's id (the token's first part): update ids are per bot, so are the rows that track them.</summary>
    public long BotId => BotIdOf(telegram.CurrentValue.BotToken);

    public TelegramBotClient Create()
    {
        var o = telegram.CurrentValue;
        return new TelegramBotClient(new TelegramBotClientOptions(o.BotToken, o.ApiBaseUrl.TrimEnd('/')) { RetryCount = 0 },
            httpClientFactory.CreateClient(HttpClientName));
    }

    public static long BotIdOf(string token)
    {
        var colon = token.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && long.TryParse(token.AsSpan(0, colon), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id) ? id : 0;
    }
}
