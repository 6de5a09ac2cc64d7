using System.Net;
using System.Net.Http.Json;
using FelixHub.Core.Bookings;
using FelixHub.Core.Bot;
using FelixHub.Tests.Bookings;
using FelixHub.Tests.Infrastructure;
using FelixHub.Tests.Orders;

namespace FelixHub.Tests.Bot;

/// <summary>Issue 24 §4: booking users link their Telegram through the bot as mechanics do; a deactivated mechanic's link no longer works.</summary>
public sealed class UserLinkTests(BotPollingFixture fixture) : IClassFixture<BotPollingFixture>
{
    private readonly TestWorker worker = fixture.Worker;
    private readonly FakeTelegramServer telegram = fixture.Telegram;

    private async Task<TelegramLinkResponse> UserLinkAsync(int userId)
    {
        var response = await worker.Http.PostAsync($"/api/users/{userId}/telegram-link", null);
        response.StatusCode.Should().Be(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<TelegramLinkResponse>())!;
    }

    private async Task<string?> ChatOfUserAsync(int userId) => (await worker.Http.GetFromJsonAsync<UserResponse>($"/api/users/{userId}"))!.TelegramId;

    [Fact]
    public async Task A_user_opening_their_link_gets_linked_and_a_confirmation()
    {
        var user = await worker.CreateUserAsync(telegramId: null, name: "Анна <Б>");
        var link = await UserLinkAsync(user.Id);

        link.Url.Should().MatchRegex("^https://t\\.me/felixhub_test_bot\\?start=user_[A-Za-z0-9_-]{32}$");
        link.ExpiresAt.Should().BeCloseTo(fixture.Clock.GetUtcNow().AddMinutes(60), TimeSpan.FromSeconds(1));
        var chatId = TestWorker.NewChatId();

        telegram.PushMessage(chatId, "/start " + BotTestSupport.StartParameter(link.Url));

        var reply = await telegram.ReplyAsync(chatId);
        reply.Text.Should().Be(BotMessages.UserLinked("Анна <Б>")).And.StartWith("✅ Готово, Анна &lt;Б&gt;!");
        await Eventually.Until(async () => await ChatOfUserAsync(user.Id) == chatId, $"user {user.Id} linked to {chatId}");
    }

    [Fact]
    public async Task A_user_link_works_once_and_not_after_it_expires()
    {
        var user = await worker.CreateUserAsync(telegramId: null, name: null);
        var token = BotTestSupport.StartParameter((await UserLinkAsync(user.Id)).Url);
        var first = TestWorker.NewChatId();
        var second = TestWorker.NewChatId();

        telegram.PushMessage(first, "/start " + token);
        (await telegram.ReplyAsync(first)).Text.Should().Be(BotMessages.UserLinked(null));
        telegram.PushMessage(second, "/start " + token);
        (await telegram.ReplyAsync(second)).Text.Should().Be(BotMessages.LinkUsed);
        (await ChatOfUserAsync(user.Id)).Should().Be(first);

        var late = BotTestSupport.StartParameter((await UserLinkAsync(user.Id)).Url);
        fixture.Clock.Advance(TimeSpan.FromMinutes(61));
        var update = telegram.PushMessage(second, "/start " + late);
        (await telegram.ReplyAsync(second, 2)).Text.Should().Be(BotMessages.LinkExpired);
        await worker.UntilHandledAsync(update);
        (await ChatOfUserAsync(user.Id)).Should().Be(first);
    }

    [Fact]
    public async Task A_link_issued_before_a_mechanic_was_deactivated_is_refused()
    {
        var mechanic = await worker.CreateMechanicAsync(telegramId: null);
        var token = BotTestSupport.StartParameter((await worker.CreateTelegramLinkAsync(mechanic.Id)).Url);
        (await worker.Http.PatchAsJsonAsync($"/api/mechanics/{mechanic.Id}", new { active = false })).EnsureSuccessStatusCode();
        var chatId = TestWorker.NewChatId();

        var update = telegram.PushMessage(chatId, "/start " + token);

        (await telegram.ReplyAsync(chatId)).Text.Should().Be(BotMessages.LinkDeactivated);
        await worker.UntilHandledAsync(update);
        (await worker.Http.GetFromJsonAsync<FelixHub.Core.Orders.MechanicResponse>($"/api/mechanics/{mechanic.Id}"))!.TelegramId.Should().BeNull();
    }
}
