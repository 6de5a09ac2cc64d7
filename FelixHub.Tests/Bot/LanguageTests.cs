using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using FelixHub.Core.Orders;
using FelixHub.Core.Recipients;
using FelixHub.Core.Templates;
using FelixHub.Tests.Infrastructure;
using FelixHub.Tests.Orders;

namespace FelixHub.Tests.Bot;

/// <summary>
/// Issue 22 §2: each recipient gets their messages in their language — taken from Telegram's
/// <c>language_code</c> at their first message to the bot, changed with <c>/language</c> or the API —
/// through the real bot flow (the fake Bot API plays the users).
/// </summary>
public sealed class LanguageTests(MechanicButtonsFixture fixture) : IClassFixture<MechanicButtonsFixture>
{
    private const string HostileCar = "<b>&\"A1";
    private const string EscapedCar = "&lt;b&gt;&amp;&quot;A1";

    private readonly TestWorker worker = fixture.Worker;
    private readonly FakeTelegramServer telegram = fixture.Telegram;

    private sealed record Button(string Text, string? Data, string? Url);

    private static List<Button> Buttons(TelegramCall message) =>
        message.Body["reply_markup"]?["inline_keyboard"]?.AsArray().SelectMany(row => row!.AsArray())
            .Select(b => new Button(b!["text"]!.GetValue<string>(), b["callback_data"]?.GetValue<string>(), b["url"]?.GetValue<string>()))
            .ToList() ?? [];

    /// <summary>A user writes <paramref name="text"/> in their private chat, their Telegram set to <paramref name="languageCode"/>.</summary>
    private async Task SayAsync(string chatId, string text, string? languageCode = null)
    {
        var update = FakeTelegramServer.MessageUpdate(chatId, text);
        if (languageCode is not null) update["message"]!["from"]!["language_code"] = languageCode;
        await worker.UntilHandledAsync(telegram.PushUpdate(update));
    }

    private async Task<string> PressAsync(string chatId, string data, int messageId)
    {
        var update = FakeTelegramServer.CallbackQueryUpdate(chatId, data, messageId);
        var callbackId = update["callback_query"]!["id"]!.GetValue<string>();
        await worker.UntilHandledAsync(telegram.PushUpdate(update));
        return telegram.CallsOf("answerCallbackQuery").Single(c => c.Body["callback_query_id"]?.ToString() == callbackId).Body["text"]!.GetValue<string>();
    }

    private Task<RecipientPreferencesResponse?> PreferencesAsync(string chatId) =>
        worker.Http.GetFromJsonAsync<RecipientPreferencesResponse>($"/api/recipients/{chatId}/preferences");

    private async Task<HttpResponseMessage> PatchAsync(string chatId, string json) =>
        await worker.Http.PatchAsync($"/api/recipients/{chatId}/preferences", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

    private Task<OrderResponse> OrderAsync(int mechanicId, string? customerChat = null) =>
        worker.PostAsync<OrderResponse>("/api/orders", new
        {
            carNumber = HostileCar, category = "Двигатель", parts = new[] { "Масляный фильтр" },
            assignedMechanicId = mechanicId, customerTelegramId = customerChat,
        });

    [Fact]
    public async Task An_English_speaking_mechanic_gets_their_order_messages_buttons_and_answers_in_English()
    {
        var chat = TestWorker.NewChatId();
        var mechanic = await worker.CreateMechanicAsync(null, "John Smith");
        var link = await worker.CreateTelegramLinkAsync(mechanic.Id);
        await SayAsync(chat, "/start " + BotTestSupport.StartParameter(link.Url), languageCode: "en-GB");
        (await telegram.ReplyAsync(chat)).Text.Should().Contain("John Smith", "the link is taken");
        (await PreferencesAsync(chat))!.Language.Should().Be(Languages.English, "Telegram's language_code en-GB at /start");

        var order = await OrderAsync(mechanic.Id);
        var assignment = await telegram.ReplyAsync(chat, 2);
        assignment.Text.Should().StartWith($"🔧 Order #{order.Id} is assigned to you\n\n🚗 Car number: {EscapedCar}\n📂 Category: Двигатель\n📌 Status: new\n\nParts:\n  • Масляный фильтр\n");
        Buttons(assignment).Select(b => b.Text).Should().Equal("▶ Start work", "🔗 Open order");

        await worker.ChangeStatusAsync(order.Id, OrderStatus.InProgress);
        var status = await telegram.ReplyAsync(chat, 3);
        status.ParseMode.Should().BeEquivalentTo("HTML");
        status.Text.Should().Be(
            $"🆕 Order status changed\n\n📋 Order #{order.Id}\n🚗 Car number: {EscapedCar}\n📂 Category: Двигатель\n\n" +
            $"Was: new\nNow: in progress\n\nParts:\n  • Масляный фильтр\n\n🔗 <a href=\"https://felix.example/mechanic/orders/{order.Id}\">Open order</a>");
        var done = Buttons(status).Should().HaveCount(2).And.Subject.First();
        done.Text.Should().Be("✅ Done");
        System.Text.Encoding.UTF8.GetByteCount(done.Data!).Should().BeLessThanOrEqualTo(64);
        Buttons(status)[1].Should().Be(new Button("🔗 Open order", null, $"https://felix.example/mechanic/orders/{order.Id}"));

        (await PressAsync(chat, done.Data!, telegram.MessageIdOf(status))).Should().Be($"✅ Order #{order.Id} is now «ready».");
        var edit = telegram.CallsOf("editMessageText").Where(c => c.ChatId == chat).Should().ContainSingle().Subject;
        edit.Text.Should().StartWith($"✅ Order #{order.Id}: ready\n\n🚗 Car number: {EscapedCar}\n").And.Contain("Was: in progress\nNow: ready\n🕒 Changed: ")
            .And.Contain(" MSK (with the button in Telegram)\n");
        Buttons(edit).Select(b => b.Text).Should().Equal("🔗 Open order");

        // A Russian-speaking mechanic of the same order flow still gets today's Russian text.
        var russianChat = TestWorker.NewChatId();
        var russian = await worker.CreateMechanicAsync(russianChat);
        await SayAsync(russianChat, "/start", languageCode: "ru");
        var russianOrder = await OrderAsync(russian.Id);
        (await telegram.ReplyAsync(russianChat, 2)).Text.Should().StartWith($"🔧 Вам назначен заказ #{russianOrder.Id}\n\n🚗 Номер авто: {EscapedCar}\n");
    }

    [Fact]
    public async Task A_recipient_changes_the_language_in_the_bot_and_a_later_start_does_not_undo_it()
    {
        var chat = TestWorker.NewChatId();
        var mechanic = await worker.CreateMechanicAsync(chat);
        await SayAsync(chat, "/language");
        var menu = await telegram.ReplyAsync(chat);
        menu.Text.Should().Be("🌐 <b>Язык сообщений</b>\n\nСейчас: русский. Выберите язык уведомлений и ответов бота.");
        Buttons(menu).Should().Equal(new Button("✅ 🇷🇺 Русский", "lg:ru", null), new Button("🇬🇧 English", "lg:en", null));

        (await PressAsync(chat, "lg:en", telegram.MessageIdOf(menu))).Should().Be("Language: English.");
        var redrawn = telegram.CallsOf("editMessageText").Where(c => c.ChatId == chat).Should().ContainSingle().Subject;
        redrawn.Text.Should().Be("🌐 <b>Message language</b>\n\nNow: English. Choose the language of notifications and the bot's replies.");
        Buttons(redrawn).Should().Equal(new Button("🇷🇺 Русский", "lg:ru", null), new Button("✅ 🇬🇧 English", "lg:en", null));
        (await PressAsync(chat, "lg:en", telegram.MessageIdOf(menu))).Should().Be("Language: English.", "a button sets a value: pressed twice, still English");
        (await PreferencesAsync(chat))!.Language.Should().Be(Languages.English);

        await SayAsync(chat, "/start", languageCode: "ru");
        (await PreferencesAsync(chat))!.Language.Should().Be(Languages.English, "Telegram's language_code only fills a language the chat does not have");

        var order = await OrderAsync(mechanic.Id);
        (await telegram.ReplyAsync(chat, 3)).Text.Should().StartWith($"🔧 Order #{order.Id} is assigned to you");

        (await PressAsync(chat, "lg:ru", telegram.MessageIdOf(menu))).Should().Be("Язык: русский.");
        await worker.ChangeStatusAsync(order.Id, OrderStatus.InProgress);
        (await telegram.ReplyAsync(chat, 4)).Text.Should().StartWith("🆕 Статус заказа изменён\n\n").And.Contain("Было: новый\nСтало: в работе");

        // A press from someone else's chat changes nothing.
        var stranger = TestWorker.NewChatId();
        var refused = FakeTelegramServer.CallbackQueryUpdate(chat, "lg:en", telegram.MessageIdOf(menu), fromId: stranger);
        await worker.UntilHandledAsync(telegram.PushUpdate(refused));
        (await PreferencesAsync(chat))!.Language.Should().Be(Languages.Russian);
        (await PressAsync(chat, "lg:xx", telegram.MessageIdOf(menu))).Should().Be("⛔ Эта кнопка больше не действует. Отправьте /language.");
    }

    [Fact]
    public async Task The_API_sets_a_chats_language_and_refuses_any_other_naming_the_field()
    {
        var mechanicChat = TestWorker.NewChatId();
        var customerChat = TestWorker.NewChatId();
        (await PreferencesAsync(customerChat))!.Language.Should().Be(Languages.Russian, "a chat that never chose gets Russian");

        var response = await PatchAsync(customerChat, """{"language":"en"}""");
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        (await response.Content.ReadFromJsonAsync<RecipientPreferencesResponse>())!.Should().BeEquivalentTo(new { Language = "en", StatusChanges = true });

        foreach (var body in new[] { """{"language":"de"}""", """{"language":"EN"}""", """{"language":""}""", """{"language":5}""" })
        {
            var refused = await PatchAsync(customerChat, body);
            refused.StatusCode.Should().Be(HttpStatusCode.BadRequest, body);
            var problem = await refused.Content.ReadFromJsonAsync<JsonObject>();
            problem!["errors"]!.AsObject().Select(e => e.Key).Should().Contain(k => k.Contains("language", StringComparison.OrdinalIgnoreCase), body);
        }
        (await PreferencesAsync(customerChat))!.Language.Should().Be(Languages.English, "nothing is written on a refusal");

        var mechanic = await worker.CreateMechanicAsync(mechanicChat);
        var order = await OrderAsync(mechanic.Id, customerChat);
        await worker.ChangeStatusAsync(order.Id, OrderStatus.InProgress);
        (await telegram.ReplyAsync(customerChat)).Text.Should().Be(
            $"ℹ️ The status of your order #{order.Id} has changed\n\n🚗 Car number: {EscapedCar}\n\nWas: new\nNow: in progress");
        (await telegram.ReplyAsync(mechanicChat, 2)).Text.Should().StartWith("🆕 Статус заказа изменён", "the mechanic's chat has no language: Russian");

        (await PatchAsync(customerChat, """{"language":"ru"}""")).StatusCode.Should().Be(HttpStatusCode.OK);
        await worker.ChangeStatusAsync(order.Id, OrderStatus.Ready);
        (await telegram.ReplyAsync(customerChat, 2)).Text.Should().StartWith($"✅ Ваш заказ #{order.Id} готов!\n\n🚗 Номер авто: {EscapedCar}\n");
    }

    [Fact]
    public async Task The_bots_own_menus_and_answers_to_a_mechanic_or_customer_follow_the_chats_language()
    {
        var chat = TestWorker.NewChatId();
        await worker.CreateMechanicAsync(chat);
        await SayAsync(chat, "/help", languageCode: "en");
        (await telegram.ReplyAsync(chat)).Text.Should().StartWith("ℹ️ I am the FelixHub notification bot.").And.Contain("/language — message language");

        await SayAsync(chat, "/settings");
        var settings = await telegram.ReplyAsync(chat, 2);
        settings.Text.Should().Be("⚙️ <b>Order notifications</b>\n\nPress a button to turn them on or off. ✅ — they come, 🔕 — they are off.");
        Buttons(settings).Should().Equal(new Button("✅ Status changes", "rp:s:0", null), new Button("✅ Assignments", "rp:a:0", null));
        (await PressAsync(chat, "rp:s:0", telegram.MessageIdOf(settings))).Should().Be("Status changes: off.");

        await SayAsync(chat, "/quiet");
        var quiet = await telegram.ReplyAsync(chat, 3);
        quiet.Text.Should().StartWith("🌙 <b>Quiet hours</b>\n\nNow: off — notifications come at any time.");
        Buttons(quiet).Select(b => b.Text).Should().Contain(["✅ Off", "✅ ⏳ Hold till morning", "🔕 Silent"]);
        (await PressAsync(chat, "qh:w:2300-0700", telegram.MessageIdOf(quiet))).Should().Be("Quiet hours: 23:00–07:00.");
        telegram.CallsOf("editMessageText").Where(c => c.ChatId == chat).Should().ContainSingle().Which.Text.Should()
            .StartWith("🌙 <b>Quiet hours</b>\n\nNow: 23:00–07:00 (Europe/Moscow), notifications wait until the quiet hours end.");
    }
}
