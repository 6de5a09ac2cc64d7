using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using FelixHub.Core.Bot;
using FelixHub.Core.Orders;
using FelixHub.Core.Wildberries;
using FelixHub.Core.Wildberries.Cabinets;
using FelixHub.Core.Wildberries.Data;
using FelixHub.Tests.Infrastructure;
using FelixHub.Tests.Orders;
using FelixHub.Tests.Wildberries;
using Microsoft.EntityFrameworkCore;

namespace FelixHub.Tests.Bot;

/// <summary>A polling worker pointed at the fake Telegram and the fake WB servers.</summary>
public sealed class SellerBotFixture : WbFixture
{
    protected override void Configure(Dictionary<string, string?> settings)
    {
        foreach (var (key, value) in BotTestSupport.Polling()) settings[key] = value;
    }
}

/// <summary>Issue 9 / seed 003: a seller gets started in Telegram — /start, the WB key, the initial sync, the main menu, «Уведомления».</summary>
public sealed class SellerBotTests(SellerBotFixture fixture) : IClassFixture<SellerBotFixture>
{
    private static readonly TimeSpan SyncTimeout = TimeSpan.FromSeconds(40);

    private readonly TestWorker worker = fixture.Worker;
    private readonly FakeTelegramServer telegram = fixture.Telegram;
    private readonly FakeWbServer wb = fixture.Wb;

    private static string Chat(long telegramId) => telegramId.ToString(CultureInfo.InvariantCulture);

    /// <summary>The user sends a text message; returns its message id (what deleteMessage must name).</summary>
    private int Send(long telegramId, string text)
    {
        var update = FakeTelegramServer.MessageUpdate(Chat(telegramId), text);
        telegram.PushUpdate(update);
        return update["message"]!["message_id"]!.GetValue<int>();
    }

    private Task<SellerChat?> SellerAsync(long telegramId) =>
        worker.DbAsync(db => db.Set<SellerChat>().AsNoTracking().SingleOrDefaultAsync(s => s.TelegramId == telegramId));

    private async Task<NotificationSettingsDto> SettingsAsync(long telegramId) =>
        (await worker.Http.GetFromJsonAsync<NotificationSettingsDto>($"/api/users/{telegramId}/notification-settings"))!;

    private static JsonArray? ReplyKeyboard(TelegramCall call) => call.Body["reply_markup"]?["keyboard"]?.AsArray();

    private static JsonArray InlineKeyboard(JsonNode? markup) => markup!["inline_keyboard"]!.AsArray();

    private static IEnumerable<(string Text, string Data)> Buttons(JsonArray keyboard) =>
        keyboard.SelectMany(row => row!.AsArray()).Select(b => (b!["text"]!.GetValue<string>(), b["callback_data"]!.GetValue<string>()));

    private IReadOnlyList<TelegramCall> CallsTo(string method, long telegramId) =>
        telegram.CallsOf(method).Where(c => c.ChatId == Chat(telegramId)).ToList();

    private IReadOnlyList<TelegramCall> Answers(string callbackQueryId) =>
        telegram.CallsOf("answerCallbackQuery").Where(c => c.Body["callback_query_id"]?.ToString() == callbackQueryId).ToList();

    /// <summary>A seller whose cabinet went through the initial sync (through the API, the same records the bot uses).</summary>
    private async Task<long> SyncedSellerAsync()
    {
        var user = WbTestSteps.NewTelegramId();
        await worker.RegisterAndWaitAsync(telegram, user, wb.NewSeller());
        return user;
    }

    private async Task<TelegramCall> OpenNotificationsAsync(long user)
    {
        var before = telegram.MessagesTo(Chat(user)).Count;
        Send(user, SellerMenu.NotificationsButton);
        var menu = await telegram.ReplyAsync(Chat(user), before + 1);
        menu.Text.Should().Be(BotMessages.Settings);
        return menu;
    }

    [Fact]
    public async Task A_seller_goes_from_start_to_the_main_menu_which_opens_only_when_the_initial_sync_completed()
    {
        var seller = wb.NewSeller();
        var nmId = FakeSeller.NewNmId();
        seller.AddOrder(nmId);
        seller.AddOrder(nmId);
        using var syncGate = new ManualResetEventSlim(false);
        // WB answers the key check at once and holds the sync until the test lets it go.
        seller.Script = r => r.Path == "/ping" || syncGate.Wait(TimeSpan.FromSeconds(30)) ? null : FakeWbReply.ServerError;
        var user = WbTestSteps.NewTelegramId();
        var chat = Chat(user);

        Send(user, "/start");

        var ask = await telegram.ReplyAsync(chat);
        ask.Text.Should().Be(BotMessages.AskKey);
        await Eventually.Until(async () => (await SellerAsync(user))?.State == SellerChatState.AwaitingKey, "the seller registered, awaiting the key");

        var keyMessageId = Send(user, seller.Token);

        (await telegram.ReplyAsync(chat, 2)).Text.Should().Be(BotMessages.KeyAccepted);
        var delete = CallsTo("deleteMessage", user).Should().ContainSingle().Subject;
        delete.Body["message_id"]!.GetValue<int>().Should().Be(keyMessageId, "the message with the key is deleted from the chat");
        seller.RequestsTo("/ping").Should().ContainSingle("the key is checked with WB like POST /api/cabinets does");
        var calls = telegram.Calls.ToList();
        calls.IndexOf(delete).Should().BeLessThan(calls.IndexOf(telegram.MessagesTo(chat)[1]), "the key is deleted as soon as it is read, before the answer");
        var cabinetId = await worker.DbAsync(db => db.Set<CabinetUser>().Where(u => u.TelegramId == user).Select(u => u.CabinetId).SingleAsync());
        (await worker.DbAsync(db => db.Set<WbCabinet>().SingleAsync(c => c.Id == cabinetId))).ApiKeyHash.Should().Be(WbApiKey.Hash(seller.Token));

        await Eventually.Until(() => seller.Requests.Any(r => r.Path != "/ping"), "the initial sync asking WB", SyncTimeout);
        await Task.Delay(500);
        (await worker.StateAsync(cabinetId)).Should().Be(CabinetState.InitialSync);
        telegram.MessagesTo(chat).Should().HaveCount(2, "no main menu while the initial sync runs");

        var released = DateTimeOffset.UtcNow;
        syncGate.Set();

        await Eventually.Until(() => telegram.MessagesTo(chat).Count >= 3, "the main menu", SyncTimeout);
        var menu = telegram.MessagesTo(chat)[2];
        menu.At.Should().BeOnOrAfter(released);
        menu.Text.Should().StartWith("✅ <b>Первичная синхронизация завершена</b>").And.Contain("заказов — 2");
        ReplyKeyboard(menu)!.SelectMany(row => row!.AsArray()).Select(b => b!["text"]!.GetValue<string>()).Should().Contain(SellerMenu.NotificationsButton);
        (await worker.StateAsync(cabinetId)).Should().Be(CabinetState.Active);
        (await worker.DbAsync(db => db.Set<WbOrder>().CountAsync(o => o.CabinetId == cabinetId))).Should().Be(2, "the initial sync ran against the fake WB");
        (await SellerAsync(user))!.State.Should().Be(SellerChatState.Registered);
        worker.Logs.AllText().Should().NotContain(seller.Token.Split('.')[1], "the key is never logged");
    }

    [Fact]
    public async Task With_a_small_cabinet_whose_sync_is_instant_the_reply_to_the_key_always_comes_before_the_sync_complete_message()
    {
        for (var attempt = 0; attempt < 4; attempt++)
        {
            var seller = wb.NewSeller();
            seller.AddOrder(FakeSeller.NewNmId());
            var user = WbTestSteps.NewTelegramId();
            var chat = Chat(user);
            Send(user, "/start");
            await telegram.ReplyAsync(chat);
            await Eventually.Until(async () => (await SellerAsync(user))?.State == SellerChatState.AwaitingKey, "awaiting the key");

            Send(user, seller.Token);

            await Eventually.Until(() => telegram.MessagesTo(chat).Count >= 3, "the reply and the main menu", SyncTimeout);
            await Task.Delay(200);
            var texts = telegram.MessagesTo(chat).Select(m => m.Text ?? "").ToList();
            texts.Should().HaveCount(3, $"attempt {attempt}: nothing but the reply and the main menu");
            texts[1].Should().Be(BotMessages.KeyAccepted, $"attempt {attempt}: the reply to the key comes first");
            texts[2].Should().StartWith("✅ <b>Первичная синхронизация завершена</b>", $"attempt {attempt}");
        }
    }

    [Fact]
    public async Task Replace_key_in_the_main_menu_deletes_the_key_refuses_another_sellers_and_keeps_the_cabinet()
    {
        var seller = wb.NewSeller();
        var user = WbTestSteps.NewTelegramId();
        var chat = Chat(user);
        var cabinetId = await worker.RegisterAndWaitAsync(telegram, user, seller);
        ReplyKeyboard(telegram.MessagesTo(chat)[0])!.SelectMany(row => row!.AsArray()).Select(b => b!["text"]!.GetValue<string>())
            .Should().Contain(SellerMenu.ReplaceKeyButton);

        Send(user, SellerMenu.ReplaceKeyButton);
        (await telegram.ReplyAsync(chat, 2)).Text.Should().Be(BotMessages.AskNewKey);

        var stranger = wb.NewSeller();
        var strangerMessage = Send(user, stranger.Token);
        (await telegram.ReplyAsync(chat, 3)).Text.Should().Be(BotMessages.KeyOfAnotherSeller);
        (await worker.DbAsync(db => db.Set<WbCabinet>().SingleAsync(c => c.Id == cabinetId))).ApiKeyHash.Should().Be(WbApiKey.Hash(seller.Token));

        var newKey = wb.AddKey(seller);
        var keyMessage = Send(user, newKey);
        var replaced = await telegram.ReplyAsync(chat, 4);
        replaced.Text.Should().StartWith("✅ <b>Ключ заменён.</b>");
        ReplyKeyboard(replaced).Should().NotBeNull("the main menu stays");
        CallsTo("deleteMessage", user).Select(c => c.Body["message_id"]!.GetValue<int>()).Should().Equal([strangerMessage, keyMessage], "every key is deleted from the chat");
        (await worker.DbAsync(db => db.Set<WbCabinet>().SingleAsync(c => c.Id == cabinetId))).ApiKeyHash.Should().Be(WbApiKey.Hash(newKey));
        (await worker.DbAsync(db => db.Set<CabinetUser>().Where(u => u.TelegramId == user).Select(u => u.CabinetId).ToListAsync())).Should().Equal(cabinetId);
        await Eventually.Until(async () => (await SellerAsync(user))?.State == SellerChatState.Registered, "the conversation back at the menu");
        worker.Logs.AllText().Should().NotContain(newKey.Split('.')[1], "the key is never logged");
    }

    [Fact]
    public async Task Stop_asks_for_confirmation_cancel_keeps_the_cabinet_and_yes_deletes_it_with_the_last_user()
    {
        var seller = wb.NewSeller();
        seller.AddOrder(FakeSeller.NewNmId());
        var user = WbTestSteps.NewTelegramId();
        var chat = Chat(user);
        var cabinetId = await worker.RegisterAndWaitAsync(telegram, user, seller);
        ReplyKeyboard(telegram.MessagesTo(chat)[0])!.SelectMany(row => row!.AsArray()).Select(b => b!["text"]!.GetValue<string>())
            .Should().Contain(SellerMenu.LeaveButton);

        Send(user, "/stop");
        var confirm = await telegram.ReplyAsync(chat, 2);
        confirm.Text.Should().Be(BotMessages.ConfirmLeave);
        Buttons(InlineKeyboard(confirm.Body["reply_markup"])).Should().Equal(("Да, отключить", SellerMenu.LeaveConfirmData), ("Отмена", SellerMenu.LeaveCancelData));

        var cancel = FakeTelegramServer.CallbackQueryUpdate(chat, SellerMenu.LeaveCancelData, telegram.MessageIdOf(confirm));
        await worker.UntilHandledAsync(telegram.PushUpdate(cancel));
        Answers(cancel["callback_query"]!["id"]!.GetValue<string>()).Should().ContainSingle().Which.Body["text"]!.GetValue<string>().Should().Be(BotMessages.LeaveCancelled);
        (await worker.DbAsync(db => db.Set<WbCabinet>().AnyAsync(c => c.Id == cabinetId))).Should().BeTrue("«Отмена» keeps the cabinet");

        Send(user, SellerMenu.LeaveButton);
        var again = await telegram.ReplyAsync(chat, 3);
        again.Text.Should().Be(BotMessages.ConfirmLeave);
        var yes = FakeTelegramServer.CallbackQueryUpdate(chat, SellerMenu.LeaveConfirmData, telegram.MessageIdOf(again));
        await worker.UntilHandledAsync(telegram.PushUpdate(yes));

        var left = await telegram.ReplyAsync(chat, 4);
        left.Text.Should().Be(BotMessages.Left(deleted: true));
        left.Body["reply_markup"]!["remove_keyboard"]!.GetValue<bool>().Should().BeTrue("the main menu goes");
        (await worker.DbAsync(db => db.Set<WbCabinet>().AnyAsync(c => c.Id == cabinetId))).Should().BeFalse("the last user took the cabinet and its key");
        (await worker.DbAsync(db => db.Set<WbOrder>().AnyAsync(o => o.CabinetId == cabinetId))).Should().BeFalse();
        (await worker.DbAsync(db => db.Set<CabinetUser>().AnyAsync(u => u.TelegramId == user))).Should().BeFalse();

        Send(user, "/start");
        (await telegram.ReplyAsync(chat, 5)).Text.Should().Be(BotMessages.AskKey, "a seller who left can connect again");
    }

    [Fact]
    public async Task A_wrong_key_gets_a_clear_message_and_a_second_try_succeeds()
    {
        var good = wb.NewSeller();
        var refused = wb.NewSeller();
        refused.Rejected = true;
        var user = WbTestSteps.NewTelegramId();
        var chat = Chat(user);
        Send(user, "/start");
        await telegram.ReplyAsync(chat);

        var notAKey = Send(user, "мой ключ потерялся");
        (await telegram.ReplyAsync(chat, 2)).Text.Should().Be(BotMessages.KeyMalformed);

        var rejected = Send(user, refused.Token);
        var rejection = (await telegram.ReplyAsync(chat, 3)).Text;
        rejection.Should().StartWith("❌ Wildberries не принял этот ключ (401)").And.Contain("token scope not allowed").And.Contain("ещё раз");
        (await worker.DbAsync(db => db.Set<WbCabinet>().AnyAsync(c => c.ApiKeyHash == WbApiKey.Hash(refused.Token)))).Should().BeFalse("a refused key stores nothing");
        await Eventually.Until(async () => (await SellerAsync(user))?.RefusedKeys == 2, "two refusals recorded");
        (await SellerAsync(user))!.State.Should().Be(SellerChatState.AwaitingKey, "the bot waits for another try");

        var accepted = Send(user, "  " + good.Token + "\n");
        (await telegram.ReplyAsync(chat, 4)).Text.Should().Be(BotMessages.KeyAccepted);
        CallsTo("deleteMessage", user).Select(c => c.Body["message_id"]!.GetValue<int>()).Should().Equal([notAKey, rejected, accepted], "every message read as a key is deleted");

        await Eventually.Until(() => telegram.MessagesTo(chat).Count >= 5, "the main menu", SyncTimeout);
        ReplyKeyboard(telegram.MessagesTo(chat)[4]).Should().NotBeNull("the sync-complete message carries the main menu");
    }

    [Fact]
    public async Task The_bot_asks_for_all_four_categories_refuses_a_key_without_Statistics_and_names_what_a_missing_category_costs()
    {
        var noStatistics = wb.NewSeller(scopes: FakeWbServer.AllFour & ~FakeWbServer.Statistics);
        var partial = wb.NewSeller(scopes: FakeWbServer.Statistics | FakeWbServer.Feedbacks);
        var user = WbTestSteps.NewTelegramId();
        var chat = Chat(user);
        Send(user, "/start");

        var ask = (await telegram.ReplyAsync(chat)).Text;
        ask.Should().Contain("«Статистика»").And.Contain("«Аналитика»").And.Contain("«Контент»").And.Contain("«Вопросы и отзывы»");

        Send(user, noStatistics.Token);
        var refusal = (await telegram.ReplyAsync(chat, 2)).Text;
        refusal.Should().Be(BotMessages.KeyWithoutStatistics).And.Contain("нет доступа к категории «Статистика»");
        noStatistics.Requests.Should().BeEmpty();
        await Eventually.Until(async () => (await SellerAsync(user))?.RefusedKeys == 1, "the refusal recorded");
        (await SellerAsync(user))!.State.Should().Be(SellerChatState.AwaitingKey);

        Send(user, partial.Token);
        var accepted = (await telegram.ReplyAsync(chat, 3)).Text;
        accepted.Should().StartWith(BotMessages.KeyAccepted)
            .And.Contain("У ключа нет доступа к категориям:")
            .And.Contain("• «Аналитика» — не будет уведомлений о критических остатках")
            .And.Contain("• «Контент» — уведомления будут приходить без фото товаров")
            .And.NotContain("«Вопросы и отзывы» —").And.NotContain("«Статистика» —");

        await Eventually.Until(() => telegram.MessagesTo(chat).Count >= 4, "the main menu", SyncTimeout);
        telegram.MessagesTo(chat)[3].Text.Should().Contain("о новых заказах, выкупах, отменах, возвратах и негативных отзывах будут приходить сюда (без фото товаров).");
    }

    [Fact]
    public async Task WB_not_answering_the_key_check_gets_a_try_again_message_and_the_bot_keeps_waiting_for_the_key()
    {
        var seller = wb.NewSeller();
        seller.Script = r => r.Path == "/ping" ? FakeWbReply.ServerError : null;
        var user = WbTestSteps.NewTelegramId();
        var chat = Chat(user);
        Send(user, "/start");
        await telegram.ReplyAsync(chat);

        var first = telegram.PushUpdate(FakeTelegramServer.MessageUpdate(chat, seller.Token));

        (await telegram.ReplyAsync(chat, 2)).Text.Should().Be(BotMessages.WbUnavailable);
        await worker.UntilHandledAsync(first);
        (await worker.DbAsync(db => db.Set<WbCabinet>().AnyAsync(c => c.ApiKeyHash == WbApiKey.Hash(seller.Token)))).Should().BeFalse();
        (await SellerAsync(user))!.State.Should().Be(SellerChatState.AwaitingKey);

        seller.Script = null;
        Send(user, seller.Token);
        (await telegram.ReplyAsync(chat, 3)).Text.Should().Be(BotMessages.KeyAccepted);
        CallsTo("deleteMessage", user).Should().HaveCount(2);
    }

    [Fact]
    public async Task Start_by_a_seller_with_a_synced_cabinet_opens_the_main_menu()
    {
        var user = await SyncedSellerAsync();
        var before = telegram.MessagesTo(Chat(user)).Count;

        var start = telegram.PushUpdate(FakeTelegramServer.MessageUpdate(Chat(user), "/start"));

        var reply = await telegram.ReplyAsync(Chat(user), before + 1);
        reply.Text.Should().Be(BotMessages.MainMenu);
        ReplyKeyboard(reply)!.SelectMany(row => row!.AsArray()).Select(b => b!["text"]!.GetValue<string>()).Should().Equal(SellerMenu.NotificationsButton, SellerMenu.ReplaceKeyButton, SellerMenu.LeaveButton);
        CallsTo("deleteMessage", user).Should().BeEmpty();
        // The reply goes out inside the update's transaction: the seller's row is there once it commits.
        await worker.UntilHandledAsync(start);
        (await SellerAsync(user))!.State.Should().Be(SellerChatState.Registered);
    }

    [Fact]
    public async Task The_notifications_keyboard_shows_every_switch_and_a_press_saves_it_and_redraws_the_keyboard()
    {
        var user = await SyncedSellerAsync();
        var menu = await OpenNotificationsAsync(user);

        var shown = Buttons(InlineKeyboard(menu.Body["reply_markup"])).ToList();
        shown.Select(b => b.Text).Should().Equal("✅ Все уведомления", "✅ Новые заказы", "✅ Выкупы", "✅ Отмены заказов", "✅ Возвраты",
            "✅ Негативные отзывы", "✅ Критические остатки", DigestMenu.OpenButton);
        shown.Select(b => b.Data).Should().Equal(
            "ns:notifications_enabled:0", "ns:new_orders_enabled:0", "ns:order_buyouts_enabled:0", "ns:order_cancellations_enabled:0",
            "ns:order_returns_enabled:0", "ns:negative_reviews_enabled:0", "ns:critical_stocks_enabled:0", DigestMenu.OpenData);

        var messageId = telegram.MessageIdOf(menu);
        var press = FakeTelegramServer.CallbackQueryUpdate(Chat(user), "ns:new_orders_enabled:0", messageId);
        var pressId = press["callback_query"]!["id"]!.GetValue<string>();
        await worker.UntilHandledAsync(telegram.PushUpdate(press));

        Answers(pressId).Should().ContainSingle().Which.Body["text"]!.GetValue<string>().Should().Be("❌ Новые заказы: выключено");
        var edit = CallsTo("editMessageReplyMarkup", user).Should().ContainSingle().Subject;
        edit.Body["message_id"]!.GetValue<int>().Should().Be(messageId);
        Buttons(InlineKeyboard(edit.Body["reply_markup"])).Should().Contain(("❌ Новые заказы", "ns:new_orders_enabled:1"))
            .And.Contain(("✅ Выкупы", "ns:order_buyouts_enabled:0"));
        var saved = await SettingsAsync(user);
        saved.NewOrdersEnabled.Should().BeFalse("the press is saved in the settings the API serves");
        saved.Should().BeEquivalentTo(new NotificationSettingsDto(true, false, true, true, true, true, true));

        var global = telegram.PushCallbackQuery(Chat(user), "ns:notifications_enabled:0", messageId);
        await worker.UntilHandledAsync(global);
        (await SettingsAsync(user)).NotificationsEnabled.Should().BeFalse();
        Buttons(InlineKeyboard(CallsTo("editMessageReplyMarkup", user)[^1].Body["reply_markup"])).First().Should().Be(("❌ Все уведомления", "ns:notifications_enabled:1"));

        await worker.PutSettingsAsync(user, new { notificationsEnabled = true, newOrdersEnabled = true, orderBuyoutsEnabled = false,
            orderCancellationsEnabled = true, orderReturnsEnabled = true, negativeReviewsEnabled = true, criticalStocksEnabled = true });
        var reopened = await OpenNotificationsAsync(user);
        Buttons(InlineKeyboard(reopened.Body["reply_markup"])).Select(b => b.Text).Should().Contain("❌ Выкупы", "a change through the API shows in the bot");
    }

    /// <summary>Presses a button under <paramref name="messageId"/>; returns the answer's text (null: none) and the message as redrawn.</summary>
    private async Task<(string? Answer, TelegramCall Edit)> PressDigestAsync(long user, string data, int messageId)
    {
        var edits = CallsTo("editMessageText", user).Count;
        var press = FakeTelegramServer.CallbackQueryUpdate(Chat(user), data, messageId);
        await worker.UntilHandledAsync(telegram.PushUpdate(press));
        var answer = Answers(press["callback_query"]!["id"]!.GetValue<string>()).Should().ContainSingle().Subject.Body["text"]?.GetValue<string>();
        var all = CallsTo("editMessageText", user);
        return (answer, all.Count > edits ? all[^1] : null!);
    }

    private async Task<DigestSettingsResponse> DigestSettingsAsync(long user) =>
        (await worker.Http.GetFromJsonAsync<DigestSettingsResponse>($"/api/users/{user}/digest-settings"))!;

    [Fact]
    public async Task Digests_are_chosen_per_kind_in_the_bot_with_buttons_that_set_a_value_and_the_api_shows_them()
    {
        var user = await SyncedSellerAsync();
        var menu = await OpenNotificationsAsync(user);
        var messageId = telegram.MessageIdOf(menu);

        var (_, opened) = await PressDigestAsync(user, DigestMenu.OpenData, messageId);
        opened.Body["message_id"]!.GetValue<int>().Should().Be(messageId);
        opened.Text.Should().Be(DigestMenu.Text(await DigestSettingsAsync(user))).And.Contain("🛒 Новые заказы — сразу").And.Contain("в 09:00 по Москве");
        var buttons = Buttons(InlineKeyboard(opened.Body["reply_markup"])).ToList();
        buttons.Take(3).Should().Equal(("🔘 🛒 сразу", "dg:m:new_order:immediate"), ("🛒 раз в час", "dg:m:new_order:hourly"), ("🛒 раз в день", "dg:m:new_order:daily"));
        buttons.Should().Contain(("🔘 09:00", "dg:t:0900")).And.Contain(("📅 18:00", "dg:t:1800")).And.Contain(("⬅️ Назад", DigestMenu.BackData));

        // A press delivered twice sets the same value twice: never a flip.
        for (var i = 0; i < 2; i++)
        {
            var (answer, edit) = await PressDigestAsync(user, "dg:m:new_order:hourly", messageId);
            answer.Should().Be("Новые заказы: сводкой раз в час.");
            Buttons(InlineKeyboard(edit.Body["reply_markup"])).Should().Contain(("🔘 🛒 раз в час", "dg:m:new_order:hourly")).And.Contain(("🛒 сразу", "dg:m:new_order:immediate"));
            edit.Text.Should().Contain("🛒 Новые заказы — сводкой раз в час");
        }
        (await PressDigestAsync(user, "dg:m:negative_review:daily", messageId)).Answer.Should().Be("Негативные отзывы: сводкой раз в день.");
        (await PressDigestAsync(user, "dg:t:1800", messageId)).Answer.Should().Be("Ежедневная сводка — в 18:00.");
        (await DigestSettingsAsync(user)).Should().BeEquivalentTo(new
        {
            NewOrders = "hourly", OrderBuyouts = "immediate", NegativeReviews = "daily", CriticalStocks = "immediate", DailyAt = "18:00", TimeZone = "Europe/Moscow",
        });

        // Buttons the bot never drew change nothing.
        foreach (var forged in new[] { "dg:m:new_order:weekly", "dg:t:0000", "dg:m:everything:daily", "dg:t:0900:x", "dg:" })
            (await PressDigestAsync(user, forged, messageId)).Answer.Should().Be(BotMessages.UnknownButton, forged);
        (await DigestSettingsAsync(user)).Should().BeEquivalentTo(new { NewOrders = "hourly", DailyAt = "18:00" });

        var (_, back) = await PressDigestAsync(user, DigestMenu.BackData, messageId);
        back.Text.Should().Be(BotMessages.Settings);
        Buttons(InlineKeyboard(back.Body["reply_markup"])).Should().Contain(("✅ Новые заказы", "ns:new_orders_enabled:0"));
    }

    [Fact]
    public async Task A_forged_press_is_answered_and_changes_nothing()
    {
        var owner = await SyncedSellerAsync();
        var stranger = WbTestSteps.NewTelegramId();
        var presses = new List<JsonObject>
        {
            FakeTelegramServer.CallbackQueryUpdate(Chat(owner), "ns:new_orders_enabled:maybe"),
            FakeTelegramServer.CallbackQueryUpdate(Chat(owner), "ns:everything:0"),
            FakeTelegramServer.CallbackQueryUpdate(Chat(owner), "ns:new_orders_enabled:0:" + stranger),
            FakeTelegramServer.CallbackQueryUpdate(Chat(owner), "ns:NEW_ORDERS_ENABLED:0"),
            FakeTelegramServer.CallbackQueryUpdate(Chat(owner), new string('x', 64)),
            // Someone else pressing a switch under the owner's message: not their chat.
            FakeTelegramServer.CallbackQueryUpdate(Chat(owner), "ns:new_orders_enabled:0", fromId: Chat(stranger)),
            // A user without a cabinet pressing a well-formed switch in their own chat.
            FakeTelegramServer.CallbackQueryUpdate(Chat(stranger), "ns:new_orders_enabled:0"),
        };

        foreach (var press in presses) await worker.UntilHandledAsync(telegram.PushUpdate(press));

        foreach (var press in presses)
        {
            var id = press["callback_query"]!["id"]!.GetValue<string>();
            Answers(id).Should().ContainSingle($"press {press["callback_query"]!["data"]} is answered");
            (await worker.OutcomeAsync(press["update_id"]!.GetValue<long>())).Should().Be(UpdateOutcomes.NoReply);
        }
        telegram.CallsOf("editMessageReplyMarkup").Where(c => c.ChatId == Chat(owner) || c.ChatId == Chat(stranger)).Should().BeEmpty();
        (await SettingsAsync(owner)).Should().BeEquivalentTo(new NotificationSettingsDto(true, true, true, true, true, true, true));
        (await worker.DbAsync(db => db.Set<NotificationSettings>().AnyAsync(s => s.TelegramId == owner || s.TelegramId == stranger))).Should().BeFalse("nothing was saved");
        (await worker.Http.GetAsync($"/api/users/{stranger}/notification-settings")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        worker.Logs.Containing("is not one the bot drew").Where(e => e.Property("ChatId") == Chat(owner)).Should().HaveCount(6);
    }

    [Fact]
    public async Task Notifications_before_a_key_asks_for_the_key_first()
    {
        var user = WbTestSteps.NewTelegramId();

        Send(user, SellerMenu.NotificationsButton);

        (await telegram.ReplyAsync(Chat(user))).Text.Should().Be(BotMessages.KeyNeededFirst);
    }

    [Fact]
    public async Task The_mechanic_link_still_works_beside_the_seller_flow()
    {
        var mechanic = await worker.CreateMechanicAsync(telegramId: null, name: "Пётр");
        var token = BotTestSupport.StartParameter((await worker.CreateTelegramLinkAsync(mechanic.Id)).Url);
        var chat = TestWorker.NewChatId();

        telegram.PushMessage(chat, "/start " + token);

        (await telegram.ReplyAsync(chat)).Text.Should().StartWith("✅ Готово, Пётр!");
        await Eventually.Until(async () => await worker.DbAsync(db => db.Mechanics.AnyAsync(m => m.Id == mechanic.Id && m.TelegramId == chat)), "the mechanic linked");
        telegram.PushMessage(chat, "/start");
        (await telegram.ReplyAsync(chat, 2)).Text.Should().Be(BotMessages.Welcome, "a linked mechanic is not asked for a WB key");
        (await SellerAsync(long.Parse(chat, CultureInfo.InvariantCulture))).Should().BeNull();
    }
}
