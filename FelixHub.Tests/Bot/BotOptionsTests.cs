using FelixHub.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace FelixHub.Tests.Bot;

/// <summary>A webhook that Telegram could not call, or that anyone could, stops the worker at start with the key named.</summary>
public sealed class BotOptionsTests
{
    [Theory]
    [InlineData("http://bot.example/telegram/webhook", "long-enough-secret-0123", "Telegram:WebhookUrl")]
    [InlineData("https://bot.example/telegram/webhook", "", "Telegram:WebhookSecret")]
    [InlineData("https://bot.example/telegram/webhook", "short", "Telegram:WebhookSecret")]
    [InlineData("https://bot.example/telegram/webhook", "has spaces in it 0123456789", "Telegram:WebhookSecret")]
    public async Task A_bad_webhook_setting_stops_the_worker_at_start(string url, string secret, string key)
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        try
        {
            var start = () => TestWorker.StartAsync(database, telegram: null, new Dictionary<string, string?>
            {
                ["Telegram:WebhookUrl"] = url,
                ["Telegram:WebhookSecret"] = secret,
            });

            (await start.Should().ThrowAsync<OptionsValidationException>()).Which.Message.Should().Contain(key);
        }
        finally
        {
            await PostgresServer.DropDatabaseAsync(database);
        }
    }
}
