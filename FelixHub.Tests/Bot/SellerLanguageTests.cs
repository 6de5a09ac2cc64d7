using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using FelixHub.Core.Bot;
using FelixHub.Core.Recipients;
using FelixHub.Core.Templates;
using FelixHub.Core.Wildberries;
using FelixHub.Core.Wildberries.Cabinets;
using FelixHub.Tests.Infrastructure;
using FelixHub.Tests.Wildberries;

namespace FelixHub.Tests.Bot;

/// <summary>
/// Issue 22 §2: the WB seller's conversation in the chat's language — Telegram's <c>language_code</c> at
/// <c>/start</c> decides it — through the real bot flow (the fake Bot API plays the seller, the fake WB API the cabinet).
/// </summary>
public sealed class SellerLanguageTests(SellerBotFixture fixture) : IClassFixture<SellerBotFixture>
{
    private static readonly TimeSpan SyncTimeout = TimeSpan.FromSeconds(40);

    private readonly TestWorker worker = fixture.Worker;
    private readonly FakeTelegramServer telegram = fixture.Telegram;
    private readonly FakeWbServer wb = fixture.Wb;

    private static string Chat(long telegramId) => telegramId.ToString(CultureInfo.InvariantCulture);

    /// <summary>The seller writes <paramref name="text"/>, their Telegram set to <paramref name="languageCode"/>; returns their next message from the bot.</summary>
    private async Task<TelegramCall> SayAsync(long user, string text, string? languageCode = "en")
    {
        var before = telegram.MessagesTo(Chat(user)).Count;
        var update = FakeTelegramServer.MessageUpdate(Chat(user), text);
        if (languageCode is not null) update["message"]!["from"]!["language_code"] = languageCode;
        await worker.UntilHandledAsync(telegram.PushUpdate(update));
        return await telegram.ReplyAsync(Chat(user), before + 1);
    }

    /// <summary>Presses a button under <paramref name="messageId"/>; returns the answer's text (null: none).</summary>
    private async Task<string?> PressAsync(long user, string data, int messageId)
    {
        var press = FakeTelegramServer.CallbackQueryUpdate(Chat(user), data, messageId);
        await worker.UntilHandledAsync(telegram.PushUpdate(press));
        var id = press["callback_query"]!["id"]!.GetValue<string>();
        return telegram.CallsOf("answerCallbackQuery").Should().ContainSingle(c => c.Body["callback_query_id"]!.ToString() == id).Subject.Body["text"]?.GetValue<string>();
    }

    private TelegramCall LastEdit(long user) => telegram.CallsOf("editMessageText").Where(c => c.ChatId == Chat(user)).Last();

    private static List<string> InlineTexts(JsonNode? markup) =>
        markup!["inline_keyboard"]!.AsArray().SelectMany(row => row!.AsArray()).Select(b => b!["text"]!.GetValue<string>()).ToList();

    private static List<string>? ReplyKeyboardTexts(TelegramCall call) =>
        call.Body["reply_markup"]?["keyboard"]?.AsArray().SelectMany(row => row!.AsArray()).Select(b => b!["text"]!.GetValue<string>()).ToList();

    [Fact]
    public async Task An_English_speaking_seller_is_onboarded_and_gets_the_menus_in_English()
    {
        var seller = wb.NewSeller();
        seller.AddOrder(FakeSeller.NewNmId());
        var user = WbTestSteps.NewTelegramId();
        var chat = Chat(user);

        var ask = await SayAsync(user, "/start");
        ask.Text.Should().StartWith("👋 Hello! This is FelixHub's notification bot for Wildberries sellers.\n\nTo start, send the <b>API key</b> of your WB cabinet")
            .And.Contain("• «Statistics» — orders, buyouts, cancellations and returns (required);");
        ask.Body["reply_markup"]!["remove_keyboard"]!.GetValue<bool>().Should().BeTrue();
        (await worker.Http.GetFromJsonAsync<RecipientPreferencesResponse>($"/api/recipients/{chat}/preferences"))!.Language.Should().Be(Languages.English);

        (await SayAsync(user, "not-a-key")).Text.Should().Be(
            "❌ This does not look like a Wildberries API key: a key is a long string of three parts separated by dots.\n\nCopy the whole key from the WB seller portal and send it again.");

        var accepted = await SayAsync(user, seller.Token);
        accepted.Text.Should().Be(
            "✅ Key accepted. The <b>initial sync</b> is running: I am loading orders, sales, reviews and stock from Wildberries.\n\n" +
            "This may take a few minutes. The main menu opens as soon as the sync is complete.");

        await Eventually.Until(() => telegram.MessagesTo(chat).Count >= 4, "the 'sync complete' message with the main menu", SyncTimeout);
        var synced = telegram.MessagesTo(chat)[3];
        synced.Text.Should().StartWith("✅ <b>Initial sync complete</b>");
        ReplyKeyboardTexts(synced).Should().Equal("🔔 Notifications", "🔑 Replace key", "🚪 Disconnect cabinet");

        // «🔔 Notifications»: the switches in English; a press answers in English.
        var settings = await SayAsync(user, "🔔 Notifications");
        settings.Text.Should().Be(
            "🔔 <b>Notifications</b>\n\nPress a row to switch it on or off: ✅ — on, ❌ — off.\n" +
            "«All notifications» is the main switch: while it is off, none come.\n🌙 Quiet hours (silent at night or held till morning): /quiet");
        InlineTexts(settings.Body["reply_markup"]).Should().Equal("✅ All notifications", "✅ New orders", "✅ Buyouts", "✅ Order cancellations", "✅ Returns",
            "✅ Negative reviews", "✅ Critical stock", "🗞 Digests instead of a stream");
        var messageId = telegram.MessageIdOf(settings);
        (await PressAsync(user, "ns:new_orders_enabled:0", messageId)).Should().Be("❌ New orders: off");
        InlineTexts(telegram.CallsOf("editMessageReplyMarkup").Last(c => c.ChatId == chat).Body["reply_markup"]).Should().Contain("❌ New orders");

        // The digest menu in English.
        (await PressAsync(user, "dg:open", messageId)).Should().BeNull();
        var digests = LastEdit(user);
        digests.Text.Should().StartWith("🗞 <b>Digests</b>\n\nEach kind of event can come at once or as one digest")
            .And.Contain("\n\n🛒 New orders — at once, each event separately\n💰 Buyouts — at once, each event separately\n")
            .And.EndWith("\n\n📅 The daily digest comes at 09:00 Moscow time.");
        InlineTexts(digests.Body["reply_markup"]).Should().StartWith(["🔘 🛒 at once", "🛒 hourly", "🛒 daily"]).And.Contain("🔘 09:00").And.EndWith("⬅️ Back");
        (await PressAsync(user, "dg:m:new_order:hourly", messageId)).Should().Be("New orders: as an hourly digest.");
        LastEdit(user).Text.Should().Contain("🛒 New orders — as an hourly digest\n");
        (await PressAsync(user, "dg:t:1800", messageId)).Should().Be("Daily digest — at 18:00.");
        LastEdit(user).Text.Should().EndWith("📅 The daily digest comes at 18:00 Moscow time.");
        (await worker.Http.GetFromJsonAsync<DigestSettingsResponse>($"/api/users/{user}/digest-settings"))!.Should()
            .BeEquivalentTo(new { NewOrders = "hourly", DailyAt = "18:00" });
        (await PressAsync(user, "dg:m:new_order:weekly", messageId)).Should().Be("⚠️ This button no longer works. Open «🔔 Notifications» again.");
        (await PressAsync(user, "dg:back", messageId)).Should().BeNull();
        LastEdit(user).Text.Should().StartWith("🔔 <b>Notifications</b>");
        InlineTexts(LastEdit(user).Body["reply_markup"]).Should().Contain("❌ New orders").And.Contain("🗞 Digests instead of a stream");

        // A Russian label still works in an English chat (a keyboard drawn before the language changed); the reply is English.
        (await SayAsync(user, SellerMenu.NotificationsButton)).Text.Should().StartWith("🔔 <b>Notifications</b>");

        // Key replacement, the main menu, leaving — in English.
        var askNew = await SayAsync(user, "🔑 Replace key");
        askNew.Text.Should().StartWith("🔑 <b>Replacing the API key</b>\n\nSend the new key of this WB cabinet in one message")
            .And.Contain("You can create a key in the WB seller portal").And.EndWith("Changed your mind — /menu.");
        var menu = await SayAsync(user, "/menu");
        menu.Text.Should().Be(
            "🏠 <b>Main menu</b>\n\nNotifications about orders, buyouts, cancellations, returns, negative reviews and critical stock come here. " +
            "To set them up — «🔔 Notifications». A new API key — «🔑 Replace key».");
        ReplyKeyboardTexts(menu).Should().Equal("🔔 Notifications", "🔑 Replace key", "🚪 Disconnect cabinet");

        var confirm = await SayAsync(user, "🚪 Disconnect cabinet");
        confirm.Text.Should().StartWith("🚪 <b>Disconnect the cabinet?</b>\n\n");
        InlineTexts(confirm.Body["reply_markup"]).Should().Equal("Yes, disconnect", "Cancel");
        (await PressAsync(user, SellerMenu.LeaveCancelData, telegram.MessageIdOf(confirm))).Should().Be("The cabinet stays connected.");

        var again = await SayAsync(user, "🚪 Disconnect cabinet");
        await PressAsync(user, SellerMenu.LeaveConfirmData, telegram.MessageIdOf(again));
        await Eventually.Until(() => telegram.MessagesTo(chat)[^1].Text?.StartsWith("✅ <b>Cabinet disconnected.</b>", StringComparison.Ordinal) == true, "the goodbye");
        telegram.MessagesTo(chat)[^1].Text.Should().Be(
            "✅ <b>Cabinet disconnected.</b> Notifications will not come any more. The API key and the cabinet's data are deleted.\n\nTo connect again — /start.");
        (await SayAsync(user, "🔔 Notifications")).Text.Should().Be("🔑 First connect a Wildberries cabinet: send /start and then the API key.");
        telegram.MessagesTo(chat).Select(m => m.Text ?? "").Should().NotContain(t => t.Contains("Уведомления", StringComparison.Ordinal) || t.Contains("ключ", StringComparison.Ordinal),
            "nothing Russian reaches an English-speaking seller");
    }

    [Fact]
    public async Task A_Russian_speaking_seller_still_gets_todays_texts()
    {
        var seller = wb.NewSeller();
        var user = WbTestSteps.NewTelegramId();
        var chat = Chat(user);

        (await SayAsync(user, "/start", languageCode: "ru")).Text.Should().Be(BotMessages.AskKey);
        (await SayAsync(user, "not-a-key", languageCode: "ru")).Text.Should().Be(BotMessages.KeyMalformed);
        (await SayAsync(user, seller.Token, languageCode: "ru")).Text.Should().Be(BotMessages.KeyAccepted);
        await Eventually.Until(() => telegram.MessagesTo(chat).Count >= 4, "the 'sync complete' message with the main menu", SyncTimeout);
        ReplyKeyboardTexts(telegram.MessagesTo(chat)[3]).Should().Equal(SellerMenu.NotificationsButton, SellerMenu.ReplaceKeyButton, SellerMenu.LeaveButton);

        var settings = await SayAsync(user, "🔔 Notifications", languageCode: "ru");
        settings.Text.Should().Be(BotMessages.Settings, "an English label pressed in a Russian chat opens the Russian menu");
        InlineTexts(settings.Body["reply_markup"]).Should().StartWith(["✅ Все уведомления"]).And.EndWith(DigestMenu.OpenButton);
        var messageId = telegram.MessageIdOf(settings);
        (await PressAsync(user, "dg:open", messageId)).Should().BeNull();
        LastEdit(user).Text.Should().Contain("🛒 Новые заказы — сразу, каждое событие отдельно\n").And.EndWith("в 09:00 по Москве.");
        (await PressAsync(user, "dg:m:new_order:daily", messageId)).Should().Be("Новые заказы: сводкой раз в день.");
        (await SayAsync(user, "/menu", languageCode: "ru")).Text.Should().Be(BotMessages.MainMenu);
    }
}
