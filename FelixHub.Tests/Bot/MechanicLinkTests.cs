using System.Net;
using FelixHub.Core.Bot;
using FelixHub.Core.Orders;
using FelixHub.Tests.Infrastructure;
using FelixHub.Tests.Orders;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace FelixHub.Tests.Bot;

/// <summary>A polling worker with a fake clock: links expire, the flood window passes, without waiting.</summary>
public sealed class BotPollingFixture : WorkerFixture
{
    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    protected override IDictionary<string, string?> Overrides => BotTestSupport.Polling(new Dictionary<string, string?>
    {
        ["Telegram:RepliesPerChatPerMinute"] = "3",
    });

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<TimeProvider>(Clock);
}

/// <summary>Issue 9: a mechanic gets started by opening a one-time link; the bot stores their chat.</summary>
public sealed class MechanicLinkTests(BotPollingFixture fixture) : IClassFixture<BotPollingFixture>
{
    private readonly TestWorker worker = fixture.Worker;
    private readonly FakeTelegramServer telegram = fixture.Telegram;

    private Task<Mechanic> MechanicAsync(int id) => worker.DbAsync(db => db.Mechanics.AsNoTracking().SingleAsync(m => m.Id == id));

    /// <summary>The reply goes out just before the update's transaction commits: wait for the commit.</summary>
    private Task UntilLinkedAsync(int mechanicId, string chatId) =>
        Eventually.Until(async () => (await MechanicAsync(mechanicId)).TelegramId == chatId, $"mechanic {mechanicId} linked to {chatId}");

    [Fact]
    public async Task A_mechanic_opening_the_link_gets_linked_and_a_confirmation()
    {
        var mechanic = await worker.CreateMechanicAsync(telegramId: null, name: "Пётр <Механик>");
        var link = await worker.CreateTelegramLinkAsync(mechanic.Id);

        link.Url.Should().MatchRegex("^https://t\\.me/felixhub_test_bot\\?start=mech_[A-Za-z0-9_-]{32}$", "192 random bits, URL-safe, after the bot's username from getMe");
        link.ExpiresAt.Should().BeCloseTo(fixture.Clock.GetUtcNow().AddMinutes(60), TimeSpan.FromSeconds(1));
        var chatId = TestWorker.NewChatId();

        telegram.PushMessage(chatId, "/start " + BotTestSupport.StartParameter(link.Url));

        var reply = await telegram.ReplyAsync(chatId);
        reply.Text.Should().StartWith("✅ Готово, Пётр &lt;Механик&gt;!");
        reply.ParseMode.Should().BeEquivalentTo("HTML");
        await UntilLinkedAsync(mechanic.Id, chatId);
    }

    [Fact]
    public async Task A_used_link_is_refused_and_the_first_chat_stays_linked()
    {
        var mechanic = await worker.CreateMechanicAsync(telegramId: null);
        var token = BotTestSupport.StartParameter((await worker.CreateTelegramLinkAsync(mechanic.Id)).Url);
        var first = TestWorker.NewChatId();
        var second = TestWorker.NewChatId();

        telegram.PushMessage(first, "/start " + token);
        await telegram.ReplyAsync(first);
        telegram.PushMessage(second, "/start " + token);
        telegram.PushMessage(first, "/start " + token);

        (await telegram.ReplyAsync(second)).Text.Should().Be(BotMessages.LinkUsed);
        (await telegram.ReplyAsync(first, 2)).Text.Should().Be(BotMessages.LinkUsed, "a link works once, even for the same chat");
        (await MechanicAsync(mechanic.Id)).TelegramId.Should().Be(first);
    }

    [Fact]
    public async Task An_expired_link_is_refused_and_a_fresh_one_works()
    {
        var mechanic = await worker.CreateMechanicAsync(telegramId: null);
        var expired = BotTestSupport.StartParameter((await worker.CreateTelegramLinkAsync(mechanic.Id)).Url);
        fixture.Clock.Advance(TimeSpan.FromMinutes(61));
        var chatId = TestWorker.NewChatId();

        var update = telegram.PushMessage(chatId, "/start " + expired);

        (await telegram.ReplyAsync(chatId)).Text.Should().Be(BotMessages.LinkExpired);
        await worker.UntilHandledAsync(update);
        (await MechanicAsync(mechanic.Id)).TelegramId.Should().BeNull();

        var fresh = BotTestSupport.StartParameter((await worker.CreateTelegramLinkAsync(mechanic.Id)).Url);
        telegram.PushMessage(chatId, "/start " + fresh);
        (await telegram.ReplyAsync(chatId, 2)).Text.Should().StartWith("✅ Готово");
        await UntilLinkedAsync(mechanic.Id, chatId);
    }

    [Theory]
    [InlineData("mech_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")] // well-formed, never issued
    [InlineData("mech_short")]
    public async Task A_forged_link_is_refused(string startParameter)
    {
        var chatId = TestWorker.NewChatId();
        telegram.PushMessage(chatId, "/start " + startParameter);
        (await telegram.ReplyAsync(chatId)).Text.Should().Be(BotMessages.LinkUnknown);
    }

    [Fact]
    public async Task A_link_opened_in_a_group_is_refused()
    {
        var mechanic = await worker.CreateMechanicAsync(telegramId: null);
        var token = BotTestSupport.StartParameter((await worker.CreateTelegramLinkAsync(mechanic.Id)).Url);
        var group = "-100" + TestWorker.NewChatId();

        var update = telegram.PushMessage(group, "/start@felixhub_test_bot " + token, chatType: "supergroup");

        (await telegram.ReplyAsync(group)).Text.Should().Be(BotMessages.LinkNotPrivate);
        await worker.UntilHandledAsync(update);
        (await MechanicAsync(mechanic.Id)).TelegramId.Should().BeNull();
    }

    [Fact]
    public async Task Only_a_hash_of_the_token_is_stored()
    {
        var mechanic = await worker.CreateMechanicAsync(telegramId: null);
        var token = BotTestSupport.StartParameter((await worker.CreateTelegramLinkAsync(mechanic.Id)).Url);

        var stored = await worker.DbAsync(db => db.Set<TelegramLinkToken>().AsNoTracking().SingleAsync(t => t.MechanicId == mechanic.Id));

        stored.TokenHash.Should().MatchRegex("^[0-9a-f]{64}$").And.NotContain(token[5..]);
        worker.Logs.AllText().Should().NotContain(token);
    }

    [Fact]
    public async Task A_link_for_an_unknown_mechanic_is_404()
    {
        var response = await worker.Http.PostAsync("/api/mechanics/987654/telegram-link", null);
        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_bot_username_is_asked_once()
    {
        var mechanic = await worker.CreateMechanicAsync(telegramId: null);
        await worker.CreateTelegramLinkAsync(mechanic.Id);
        await worker.CreateTelegramLinkAsync(mechanic.Id);

        telegram.CallsOf("getMe").Should().HaveCount(1);
    }

    [Fact]
    public async Task Start_without_a_link_starts_the_seller_flow_and_anything_else_gets_a_short_help()
    {
        var chatId = TestWorker.NewChatId();
        var other = TestWorker.NewChatId();

        telegram.PushMessage(chatId, "/start");
        (await telegram.ReplyAsync(chatId)).Text.Should().Be(BotMessages.AskKey);
        telegram.PushMessage(chatId, "/unknown_command arg");
        (await telegram.ReplyAsync(chatId, 2)).Text.Should().Be(BotMessages.Help, "a command is never read as the key");
        telegram.PushMessage(other, "привет, когда будет готова машина?");
        (await telegram.ReplyAsync(other)).Text.Should().Be(BotMessages.Help);
    }

    [Fact]
    public async Task A_flood_from_one_chat_is_acknowledged_but_answered_only_up_to_the_limit()
    {
        var flooder = TestWorker.NewChatId();
        var other = TestWorker.NewChatId();
        var ids = Enumerable.Range(1, 8).Select(i => telegram.PushMessage(flooder, "спам " + i)).ToList();
        var otherId = telegram.PushMessage(other, "вопрос");

        await worker.UntilHandledAsync(ids[^1]);
        await worker.UntilHandledAsync(otherId);
        telegram.MessagesTo(flooder).Should().HaveCount(3, "Telegram:RepliesPerChatPerMinute is 3 here");
        telegram.MessagesTo(other).Should().HaveCount(1, "the limit is per chat");
        foreach (var id in ids.Skip(3)) (await worker.OutcomeAsync(id)).Should().Be(UpdateOutcomes.Throttled);
        worker.Logs.Containing("got 3 replies within a minute").Where(e => e.Property("ChatId") == flooder).Should().HaveCount(1, "the flood is logged once");
        await Eventually.Until(() => telegram.PendingUpdates == 0, "every update confirmed to Telegram, the throttled ones too");

        fixture.Clock.Advance(TimeSpan.FromSeconds(61));
        telegram.PushMessage(flooder, "а теперь?");
        (await telegram.ReplyAsync(flooder, 4)).Text.Should().Be(BotMessages.Help, "a minute later the chat is answered again");
    }

    [Fact]
    public async Task A_button_press_is_acknowledged_without_a_reply()
    {
        var chatId = TestWorker.NewChatId();
        var id = telegram.PushCallbackQuery(chatId, "unknown:button");

        await worker.UntilHandledAsync(id);

        (await worker.OutcomeAsync(id)).Should().Be(UpdateOutcomes.NoReply);
        telegram.MessagesTo(chatId).Should().BeEmpty();
        telegram.CallsOf("answerCallbackQuery").Should().Contain(c => c.Body["text"]!.ToString() == BotMessages.UnknownButton, "a press is always answered");
    }

    [Fact]
    public async Task The_webhook_endpoint_is_absent_while_polling()
    {
        var response = await worker.Http.PostAsync("/telegram/webhook", new StringContent("{}"));
        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
        telegram.CallsOf("setWebhook").Should().BeEmpty();
        telegram.CallsOf("deleteWebhook").Should().NotBeEmpty("a poller clears any webhook first, or getUpdates would answer 409");
    }
}
