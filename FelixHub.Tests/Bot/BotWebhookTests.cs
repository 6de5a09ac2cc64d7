using System.Net;
using System.Text;
using FelixHub.Core.Bot;
using FelixHub.Tests.Infrastructure;

namespace FelixHub.Tests.Bot;

public sealed class BotWebhookFixture : WorkerFixture
{
    public const string Secret = "webhook-secret_0123456789abcdef";
    public const string Url = "https://bot.felix.example/telegram/webhook";

    protected override IDictionary<string, string?> Overrides => new Dictionary<string, string?>
    {
        ["Telegram:ReceiveUpdates"] = "true",
        ["Telegram:WebhookUrl"] = Url,
        ["Telegram:WebhookSecret"] = Secret,
    };
}

/// <summary>Webhook mode: Telegram posts updates to <c>/telegram/webhook</c> with the secret it was given by setWebhook.</summary>
public sealed class BotWebhookTests(BotWebhookFixture fixture) : IClassFixture<BotWebhookFixture>
{
    private readonly TestWorker worker = fixture.Worker;
    private readonly FakeTelegramServer telegram = fixture.Telegram;

    private static long nextUpdateId = 5_000_000;

    private Task<HttpResponseMessage> PostAsync(string body, string? secret)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/telegram/webhook") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (secret is not null) request.Headers.Add("X-Telegram-Bot-Api-Secret-Token", secret);
        return worker.Http.SendAsync(request);
    }

    private static string Update(long updateId, string chatId, string text)
    {
        var update = FakeTelegramServer.MessageUpdate(chatId, text);
        update["update_id"] = updateId;
        return update.ToJsonString();
    }

    [Fact]
    public async Task Start_registers_the_webhook_with_its_secret_and_does_not_poll()
    {
        await Eventually.Until(() => telegram.CallsOf("setWebhook").Count > 0, "setWebhook");
        var call = telegram.CallsOf("setWebhook").Single();
        call.Body["url"]!.ToString().Should().Be(BotWebhookFixture.Url);
        call.Body["secret_token"]!.ToString().Should().Be(BotWebhookFixture.Secret);
        call.Body["allowed_updates"]!.ToJsonString().Should().Be("""["message","callback_query"]""");
        await Task.Delay(500);
        telegram.CallsOf("getUpdates").Should().BeEmpty();
        worker.Logs.AllText().Should().NotContain(BotWebhookFixture.Secret);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("wrong-secret_0123456789abcdef")]
    [InlineData(BotWebhookFixture.Secret + "x")]
    public async Task A_call_without_the_right_secret_is_refused_and_not_handled(string? secret)
    {
        var chatId = TestWorker.NewChatId();
        var id = Interlocked.Increment(ref nextUpdateId);

        var response = await PostAsync(Update(id, chatId, "/start"), secret);

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        await Task.Delay(300);
        (await worker.OutcomeAsync(id)).Should().BeNull();
        telegram.MessagesTo(chatId).Should().BeEmpty();
    }

    [Fact]
    public async Task An_update_with_the_right_secret_is_handled_once_and_a_retry_is_ignored()
    {
        var chatId = TestWorker.NewChatId();
        var id = Interlocked.Increment(ref nextUpdateId);
        var body = Update(id, chatId, "что умеет бот?");

        (await PostAsync(body, BotWebhookFixture.Secret)).StatusCode.Should().Be(HttpStatusCode.OK);
        (await PostAsync(body, BotWebhookFixture.Secret)).StatusCode.Should().Be(HttpStatusCode.OK, "Telegram retries until it gets a 2xx");
        await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => PostAsync(body, BotWebhookFixture.Secret)));

        telegram.MessagesTo(chatId).Should().ContainSingle().Which.Text.Should().Be(BotMessages.Help);
        (await worker.OutcomeAsync(id)).Should().Be(UpdateOutcomes.Replied);
        worker.Logs.Containing("was already handled").Where(e => e.Property("updateId") == id.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Should().HaveCount(4);
    }

    [Fact]
    public async Task A_mechanic_links_through_the_webhook_too()
    {
        var mechanic = await Orders.OrdersApiClient.CreateMechanicAsync(worker, telegramId: null);
        var token = BotTestSupport.StartParameter((await worker.CreateTelegramLinkAsync(mechanic.Id)).Url);
        var chatId = TestWorker.NewChatId();

        (await PostAsync(Update(Interlocked.Increment(ref nextUpdateId), chatId, "/start " + token), BotWebhookFixture.Secret)).EnsureSuccessStatusCode();

        telegram.MessagesTo(chatId).Should().ContainSingle().Which.Text.Should().StartWith("✅ Готово");
    }

    [Fact]
    public async Task An_update_without_a_chat_is_recorded_and_ignored()
    {
        var id = Interlocked.Increment(ref nextUpdateId);

        (await PostAsync($$"""{"update_id":{{id}}}""", BotWebhookFixture.Secret)).StatusCode.Should().Be(HttpStatusCode.OK);

        (await worker.OutcomeAsync(id)).Should().Be(UpdateOutcomes.Ignored);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{}")]
    public async Task A_body_that_is_not_an_update_is_400(string body)
    {
        var response = await PostAsync(body, BotWebhookFixture.Secret);
        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }
}
