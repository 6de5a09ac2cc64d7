using System.Text.RegularExpressions;
using FelixHub.Core.Bookings;
using FelixHub.Core.Bookings.Messages;
using FelixHub.Core.Bot;
using FelixHub.Core.OrderNotifications;
using FelixHub.Core.Orders;
using FelixHub.Core.Telegram;
using FelixHub.Core.Templates;
using FelixHub.Core.Wildberries;
using FelixHub.Core.Wildberries.Notifications;
using Microsoft.Extensions.Logging;

namespace FelixHub.Tests.Templates;

/// <summary>
/// Issue 22 §2: every message comes from a template per language. Every template of every language is
/// rendered strictly with a representative message (a value its model lacks fails here, never at a send),
/// every language has the same templates, every value is escaped for Telegram HTML, and the longest
/// messages stay within Telegram's limits.
/// </summary>
public sealed partial class MessageTemplateTests
{
    private static readonly DateTimeOffset At = new(2026, 3, 5, 11, 32, 0, TimeSpan.Zero);

    private const string Hostile = "<b>&\"";

    /// <summary>Messages that show none of the order's, booking's or product's values.</summary>
    private static readonly string[] WithoutOrderValues = ["bot_language", "bot_welcome", "bot_help", "bot_link_", "bot_preferences_", "bot_user_linked (no name)", "bot_quiet_title (off)", "wb_sync_complete", "wb_missing_categories", "wb_category_refused", "wb_key_rejected", "wb_key_expiring", "seller_", "answer_"];

    private static Order Order(string carNumber = "AB1234CD", IEnumerable<string>? parts = null) => new()
    {
        Id = 42, CarNumber = carNumber, Category = "Двигатель", Parts = [.. parts ?? ["Масляный фильтр", "Свечи"]],
        Status = OrderStatus.InProgress, StatusChangedAt = At.AddHours(-30),
    };

    private static readonly WbProductInfo Product = new(123456, "Кроссовки", "ART-1", "Бренд", "Обувь", null);

    /// <summary>The seller's messages without values of their own (<see cref="BotMessages.Seller"/>).</summary>
    private static readonly string[] SellerTemplatesWithoutValues =
    [
        "seller_ask_key", "seller_key_malformed", "seller_key_without_statistics", "seller_wb_unavailable", "seller_key_accepted",
        "seller_key_accepted_synced", "seller_syncing", "seller_main_menu", "seller_ask_new_key", "seller_key_of_another_seller",
        "seller_key_in_use", "seller_confirm_leave", "seller_leave_nothing", "seller_key_needed_first", "seller_settings",
    ];

    /// <summary>Every message FelixHub renders, in <paramref name="language"/>: (kind, text, is HTML).</summary>
    private static IEnumerable<(string Kind, string Text, bool Html)> EveryMessage(string language, Order order)
    {
        const string url = "https://felix.example";
        yield return ("mechanic_status_change", OrderMessages.MechanicStatusChange(order, OrderStatus.New, OrderStatus.InProgress, url, language), true);
        yield return ("mechanic_step_taken", OrderMessages.MechanicStepTaken(order, OrderStatus.InProgress, OrderStatus.Ready, At, url, language), true);
        yield return ("admin_new_order", OrderMessages.AdminNewOrder(order, "Иван", url, language), true);
        yield return ("admin_new_order (no mechanic)", OrderMessages.AdminNewOrder(order, null, url, language), true);
        yield return ("mechanic_assignment", OrderMessages.MechanicAssignment(order, url, language), true);
        yield return ("customer_order_ready", OrderMessages.CustomerReady(order, language), true);
        yield return ("customer_status_change", OrderMessages.CustomerStatus(order, OrderStatus.New, OrderStatus.InProgress, language), true);
        yield return ("stuck_order_alert", StuckOrderCheckJob.Format(order, At, url, language), true);
        var booking = new BookingMessageData(order.CarNumber, At, At.AddHours(2), TimeZoneInfo.FindSystemTimeZoneById("Europe/Moscow"));
        foreach (var type in Enum.GetValues<BookingNotificationType>())
            yield return (type.ToString(), BookingMessages.Create(type, booking, language), true);

        var product = Product with { Name = order.CarNumber };
        var orderFacts = new WbMessages.OrderFacts("srid", product.NmId, "SA-1", "Коледино", "Москва", null, 1284.01m, 1000m, At, At.AddHours(1));
        var saleFacts = new WbMessages.SaleFacts("S1", product.NmId, "SA-1", "Коледино", null, "ЦФО", 999m, 800.5m, At);
        yield return ("wb_new_order", WbMessages.NewOrder(orderFacts, product, language), true);
        yield return ("wb_order_cancellation", WbMessages.Cancellation(orderFacts, product, language), true);
        yield return ("wb_order_buyout", WbMessages.Buyout(saleFacts, product, language), true);
        yield return ("wb_order_buyout (pay unknown)", WbMessages.Buyout(saleFacts with { ForPay = 0 }, product, language), true);
        yield return ("wb_order_return", WbMessages.Return(saleFacts, product, language), true);
        yield return ("wb_negative_review", WbMessages.NegativeReview(2, order.CarNumber, At, product, null, language), true);
        yield return ("wb_negative_review (no text)", WbMessages.NegativeReview(1, null, At, product, null, language), true);
        yield return ("wb_critical_stock", WbMessages.CriticalStock(3, [(order.CarNumber, 2), ("Казань", 1)], At, product, language), true);
        yield return ("wb_sync_complete", WbMessages.SyncComplete(10, 5, 3, 7, 0, language), true);
        yield return ("wb_sync_complete (missing)", WbMessages.SyncComplete(10, 5, 3, 7, WbCategories.Bit(WbCategory.Content) | WbCategories.Bit(WbCategory.Feedbacks), language), true);
        yield return ("wb_missing_categories", WbMessages.MissingCategories([WbCategory.Analytics], language), true);
        foreach (var category in WbCategories.Synced)
            yield return ("wb_category_refused", WbMessages.CategoryRefused(category, language), true);
        yield return ("wb_key_rejected", WbMessages.KeyRejected(401, language), true);
        yield return ("wb_key_expiring", WbMessages.KeyExpiring(At.AddDays(6.5), At, language), true);
        yield return ("wb_key_expiring (1 day)", WbMessages.KeyExpiring(At.AddHours(20), At, language), true);
        WbDigestMessages.Item[] digest =
        [
            new(WbEventType.NewOrder, 1, order.CarNumber, "SA-1", 1500m, null) { PeriodStart = At.AddHours(-1) },
            new(WbEventType.OrderBuyout, 1, order.CarNumber, null, 900.5m, null),
            new(WbEventType.OrderCancellation, 2, null, null, null, null),
            new(WbEventType.OrderReturn, 2, "Кепка", "SA-2", 700m, null),
            new(WbEventType.NegativeReview, 3, order.CarNumber, null, null, 2),
            new(WbEventType.CriticalStock, 4, order.CarNumber, null, null, 1),
            new(WbEventType.KeyRejected, 0, null, null, null, null),
        ];
        yield return ("wb_digest", WbDigestMessages.Build(digest, At.AddDays(-1), At, TimeZoneInfo.FindSystemTimeZoneById("Europe/Moscow"), language), true);
        yield return ("wb_digest (many)", WbDigestMessages.Build([.. Enumerable.Range(0, 3000).Select(i => digest[i % 6] with { NmId = i })], At.AddHours(-1), At, TimeZoneInfo.FindSystemTimeZoneById("Asia/Yekaterinburg"), language), true);

        yield return ("bot_language", BotMessages.LanguageTitle(language), true);
        foreach (var text in new[] { "bot_welcome", "bot_help", "bot_link_unknown", "bot_link_used", "bot_link_expired", "bot_link_not_private", "bot_link_deactivated", "bot_preferences_title", "bot_preferences_not_for_you" })
            yield return (text, BotMessages.Text(text, language), true);
        yield return ("bot_mechanic_linked", BotMessages.Linked(order.CarNumber, language), true);
        yield return ("bot_user_linked", BotMessages.UserLinked(order.CarNumber, language), true);
        yield return ("bot_user_linked (no name)", BotMessages.UserLinked(null, language), true);
        yield return ("bot_quiet_title", BotMessages.QuietTitle("23:00", "07:00", order.CarNumber, "silent", language), true);
        yield return ("bot_quiet_title (off)", BotMessages.QuietTitle(null, null, "Europe/Moscow", "hold", language), true);
        yield return ("answer_preferences_unknown_button", BotMessages.PreferencesUnknownButtonIn(language), false);
        yield return ("answer_preference_switched", BotMessages.PreferenceSwitched("Смена статуса", false, language), false);
        yield return ("answer_quiet_unknown_button", BotMessages.QuietUnknownButtonIn(language), false);
        yield return ("answer_quiet_saved", BotMessages.QuietSaved("23:00", "07:00", language), false);
        yield return ("answer_quiet_saved (off)", BotMessages.QuietSaved(null, null, language), false);
        yield return ("answer_quiet_mode_saved", BotMessages.QuietModeSaved("hold", language), false);
        yield return ("answer_step_taken", BotMessages.StepTaken(order.Id, OrderStatus.Ready, language), false);
        yield return ("answer_step_already_taken", BotMessages.StepAlreadyTaken(order.Id, OrderStatus.Ready, At, language), false);
        yield return ("answer_step_status_moved", BotMessages.StepStatusMoved(order.Id, OrderStatus.Issued, language), false);
        yield return ("answer_step_not_assigned", BotMessages.StepNotAssigned(order.Id, language), false);
        yield return ("answer_step_other_chat", BotMessages.StepOtherChatIn(language), false);
        yield return ("answer_step_order_gone", BotMessages.StepOrderGoneIn(language), false);
        yield return ("answer_order_button_unknown", BotMessages.OrderButtonUnknownIn(language), false);
        yield return ("answer_language_saved", BotMessages.LanguageSaved(language), false);
        yield return ("answer_language_unknown_button", BotMessages.LanguageUnknownButton(language), false);

        foreach (var text in SellerTemplatesWithoutValues)
            yield return (text, BotMessages.Seller(text, language), true);
        yield return ("seller_key_expired", BotMessages.KeyExpired(At, language), true);
        yield return ("seller_key_expired (no date)", BotMessages.KeyExpired(null, language), true);
        yield return ("seller_key_rejected", BotMessages.KeyRejected(401, order.CarNumber, language), true);
        yield return ("seller_key_rejected (no reason)", BotMessages.KeyRejected(null, " ", language), true);
        yield return ("seller_key_replaced", BotMessages.KeyReplaced(At, language), true);
        yield return ("seller_key_replaced (no expiry)", BotMessages.KeyReplaced(null, language), true);
        yield return ("seller_left", BotMessages.Left(true, language), true);
        yield return ("seller_left (others stay)", BotMessages.Left(false, language), true);
        var digests = new Core.Wildberries.Cabinets.DigestSettingsResponse("immediate", "hourly", "daily", "immediate", "hourly", "daily", "09:00", "Europe/Moscow");
        yield return ("seller_digests", DigestMenu.Text(digests, language), true);
        yield return ("seller_digests (zone)", DigestMenu.Text(digests with { TimeZone = "Asia/Yekaterinburg" }, language), true);
        yield return ("answer_seller_switched", SellerMenu.Describe(SellerMenu.Switches[1], false, language), false);
        yield return ("answer_seller_unknown_button", BotMessages.UnknownButtonIn(language), false);
        yield return ("answer_seller_leave_cancelled", BotMessages.LeaveCancelledIn(language), false);
        DigestMenu.TryParse("dg:m:new_order:hourly", out _, out var modeAnswer, language).Should().BeTrue();
        yield return ("answer_digest_mode_saved", modeAnswer, false);
        DigestMenu.TryParse("dg:t:1800", out _, out var timeAnswer, language).Should().BeTrue();
        yield return ("answer_digest_time_saved", timeAnswer, false);
    }

    [Fact]
    public void Every_language_has_the_same_templates()
    {
        var names = MessageTemplates.Current.Names;
        names.Keys.Should().BeEquivalentTo(Languages.All);
        names[Languages.Russian].Should().NotBeEmpty();
        foreach (var language in Languages.All)
            names[language].Should().BeEquivalentTo(names[Languages.Russian], $"'{language}' must have every template Russian has, and no other");
    }

    [Fact]
    public void Every_template_of_every_language_renders_strictly_with_its_values_and_is_valid_for_Telegram()
    {
        foreach (var language in Languages.All)
        {
            using var strict = MessageTemplates.Strict();
            foreach (var (kind, text, html) in EveryMessage(language, Order()))
            {
                text.Should().NotBeNullOrWhiteSpace(kind);
                if (html) ShouldBeValidTelegramHtml(text, $"{kind} ({language})");
                else text.Length.Should().BeLessThanOrEqualTo(200, "a button's answer is at most 200 characters");
            }
            MessageTemplates.Current.Names[language].Except(strict.Rendered.Where(r => r.Language == language).Select(r => r.Name))
                .Should().BeEmpty($"every '{language}' template is rendered by some message above");
        }
    }

    [Fact]
    public void A_template_that_uses_a_value_its_message_lacks_fails_strictly_and_renders_empty_with_one_warning_at_send_time()
    {
        var directory = TemplateFolder(("greeting", "Здравствуйте, {{ name }}! {{ missing }}Заказ {{ order.id }}{{ order.nope }}."));
        var warnings = new ListLogger();
        var templates = MessageTemplates.Load(directory, warnings);
        var model = new Dictionary<string, object?> { ["name"] = "Иван", ["order"] = new Dictionary<string, object?> { ["id"] = 5 } };

        using (MessageTemplates.Strict())
            templates.Invoking(t => t.Render("greeting", Languages.Russian, model)).Should().Throw<Exception>().WithMessage("*missing*");

        templates.Render("greeting", Languages.Russian, model).Should().Be("Здравствуйте, Иван! Заказ 5.");
        templates.Render("greeting", Languages.Russian, model).Should().Be("Здравствуйте, Иван! Заказ 5.");
        warnings.Messages.Should().ContainSingle().Which.Should().Contain("greeting").And.Contain("ru");
    }

    [Fact]
    public void A_template_that_does_not_parse_or_a_missing_language_stops_the_load_naming_the_file()
    {
        var broken = TemplateFolder(("fine", "ok"), ("broken", "{% if %}oops"));
        FluentActions.Invoking(() => MessageTemplates.Load(broken)).Should().Throw<InvalidDataException>().WithMessage("*broken.liquid*");

        var onlyRussian = Directory.CreateTempSubdirectory("felixhub-templates-").FullName;
        Directory.CreateDirectory(Path.Combine(onlyRussian, Languages.Russian));
        FluentActions.Invoking(() => MessageTemplates.Load(onlyRussian)).Should().Throw<InvalidDataException>().WithMessage("*en*missing*");
    }

    [Fact]
    public void Every_value_is_escaped_for_Telegram_HTML_in_both_languages_and_Cyrillic_stays_as_it_is()
    {
        foreach (var language in Languages.All)
        {
            using var strict = MessageTemplates.Strict();
            foreach (var (kind, text, _) in EveryMessage(language, Order(Hostile)).Where(m => m.Html && !WithoutOrderValues.Any(w => m.Kind.StartsWith(w, StringComparison.Ordinal))))
            {
                text.Should().Contain("&lt;b&gt;&amp;&quot;", $"{kind} ({language}) escapes the car number / product / resource").And.NotContain(Hostile, kind);
                ShouldBeValidTelegramHtml(text, $"{kind} ({language})");
            }
        }
        OrderMessages.MechanicStatusChange(Order(), OrderStatus.New, OrderStatus.InProgress, "https://x.example", Languages.Russian)
            .Should().Contain("📂 Категория: Двигатель").And.NotContain("&#");
        // A plain-text answer shows values as they are.
        BotMessages.StepTaken(7, "<b>&\"", Languages.Russian).Should().Be("✅ Заказ #7: теперь «<b>&\"».");
    }

    [Fact]
    public void The_longest_messages_stay_within_4096_characters_and_valid_HTML_in_both_languages()
    {
        var parts = Enumerable.Range(1, 400).Select(i => $"Запчасть № {i} <&> " + new string('ж', 150)).ToList();
        var order = Order(new string('Я', 40) + Hostile, parts);
        foreach (var language in Languages.All)
        {
            foreach (var (kind, text, html) in EveryMessage(language, order).Where(m => m.Html))
            {
                ShouldBeValidTelegramHtml(text, $"{kind} ({language})");
                if (kind is "mechanic_status_change" or "mechanic_step_taken" or "admin_new_order" or "mechanic_assignment")
                {
                    text.Length.Should().BeGreaterThan(TelegramHtml.MaxMessageLength - 400, "as many parts as fit");
                    text.Should().MatchRegex(language == Languages.English ? "  … and [0-9]+ more\n" : "  … и ещё [0-9]+\n");
                    text.Should().EndWith(language == Languages.English ? "Open order</a>" : "Открыть заказ</a>");
                }
            }
        }
        var review = WbMessages.NegativeReview(1, new string('ы', 5000) + Hostile, At, Product with { Name = new string('N', 200) }, "SA", Languages.English);
        review.Length.Should().BeLessThanOrEqualTo(WbMessages.MaxCaptionLength, "a review's text is cut so the message fits a photo's caption");
    }

    [Fact]
    public void Russian_texts_kept_in_code_for_the_bot_are_the_Russian_templates_word_for_word()
    {
        using var strict = MessageTemplates.Strict();
        MessageTemplates.Current.Render("wb_key_how_to", Languages.Russian, new Dictionary<string, object?>()).Should().Be(WbMessages.KeyHowTo);
        BotMessages.StepOtherChatIn(Languages.Russian).Should().Be(BotMessages.StepOtherChat);
        BotMessages.StepOrderGoneIn(Languages.Russian).Should().Be(BotMessages.StepOrderGone);
        BotMessages.OrderButtonUnknownIn(Languages.Russian).Should().Be(BotMessages.OrderButtonUnknown);
        BotMessages.PreferencesUnknownButtonIn(Languages.Russian).Should().Be(BotMessages.PreferencesUnknownButton);
        BotMessages.QuietUnknownButtonIn(Languages.Russian).Should().Be(BotMessages.QuietUnknownButton);
        foreach (var (template, text) in new[]
        {
            ("bot_welcome", BotMessages.Welcome), ("bot_help", BotMessages.Help), ("bot_link_unknown", BotMessages.LinkUnknown),
            ("bot_link_used", BotMessages.LinkUsed), ("bot_link_expired", BotMessages.LinkExpired), ("bot_link_not_private", BotMessages.LinkNotPrivate),
            ("bot_link_deactivated", BotMessages.LinkDeactivated), ("bot_preferences_title", BotMessages.PreferencesTitle),
            ("bot_preferences_not_for_you", BotMessages.PreferencesNotForYou),
        })
            BotMessages.Text(template, Languages.Russian).Should().Be(text, template);
    }

    [Fact]
    public void The_sellers_Russian_texts_are_the_Russian_templates_word_for_word()
    {
        using var strict = MessageTemplates.Strict();
        foreach (var (template, text) in new[]
        {
            ("seller_ask_key", BotMessages.AskKey), ("seller_key_malformed", BotMessages.KeyMalformed),
            ("seller_key_without_statistics", BotMessages.KeyWithoutStatistics), ("seller_wb_unavailable", BotMessages.WbUnavailable),
            ("seller_key_accepted", BotMessages.KeyAccepted), ("seller_key_accepted_synced", BotMessages.KeyAcceptedSynced),
            ("seller_syncing", BotMessages.Syncing), ("seller_main_menu", BotMessages.MainMenu), ("seller_ask_new_key", BotMessages.AskNewKey),
            ("seller_key_of_another_seller", BotMessages.KeyOfAnotherSeller), ("seller_key_in_use", BotMessages.KeyInUse),
            ("seller_confirm_leave", BotMessages.ConfirmLeave), ("seller_leave_nothing", BotMessages.LeaveNothing),
            ("seller_key_needed_first", BotMessages.KeyNeededFirst), ("seller_settings", BotMessages.Settings),
        })
            BotMessages.Seller(template, Languages.Russian).Should().Be(text, template);
        BotMessages.UnknownButtonIn(Languages.Russian).Should().Be(BotMessages.UnknownButton);
        BotMessages.LeaveCancelledIn(Languages.Russian).Should().Be(BotMessages.LeaveCancelled);

        // Today's texts, as they were written in code before the templates.
        BotMessages.KeyExpired(At).Should().Be("❌ Срок действия этого ключа истёк 05.03.2026 14:32 МСК.\n\nСоздайте новый ключ в личном кабинете WB и пришлите его сюда.");
        BotMessages.KeyExpired(null).Should().StartWith("❌ Срок действия этого ключа истёк.\n\n");
        BotMessages.KeyRejected(401, "bad <key>").Should().Be(
            "❌ Wildberries не принял этот ключ (401): <i>bad &lt;key&gt;</i>.\n\nПроверьте, что ключ действующий и у него есть доступ к категории «Статистика», и пришлите его ещё раз.");
        BotMessages.KeyRejected(null, null).Should().StartWith("❌ Wildberries не принял этот ключ.\n\n");
        BotMessages.KeyReplaced(At).Should().Be(
            "✅ <b>Ключ заменён.</b> Кабинет, его история и настройки уведомлений сохранены; уведомления приходят как прежде.\nНовый ключ действует до 05.03.2026 14:32 МСК.");
        BotMessages.KeyReplaced(null).Should().EndWith("уведомления приходят как прежде.");
        BotMessages.Left(true).Should().Be("✅ <b>Кабинет отключён.</b> Уведомления больше не придут. API-ключ и данные кабинета удалены.\n\nПодключить снова — /start.");
        BotMessages.Left(false).Should().Be("✅ <b>Кабинет отключён.</b> Уведомления больше не придут. Другие пользователи кабинета продолжают получать уведомления.\n\nПодключить снова — /start.");
        var digests = new Core.Wildberries.Cabinets.DigestSettingsResponse("immediate", "hourly", "daily", "immediate", "hourly", "daily", "09:00", "Asia/Yekaterinburg");
        DigestMenu.Text(digests).Should().Be(
            "🗞 <b>Сводки</b>\n\nКаждый вид событий может приходить сразу или одной сводкой — раз в час или раз в день: " +
            "одно сообщение с числом событий, суммами и главными товарами за период.\n\n" +
            "🛒 Новые заказы — сразу, каждое событие отдельно\n💰 Выкупы — сводкой раз в час\n❌ Отмены заказов — сводкой раз в день\n" +
            "↩️ Возвраты — сразу, каждое событие отдельно\n⚠️ Негативные отзывы — сводкой раз в час\n📉 Критические остатки — сводкой раз в день\n" +
            "\n📅 Ежедневная сводка приходит в 09:00 (Asia/Yekaterinburg).");
        DigestMenu.Text(digests with { TimeZone = "Europe/Moscow" }).Should().EndWith("\n\n📅 Ежедневная сводка приходит в 09:00 по Москве.");
        SellerMenu.Describe(SellerMenu.Switches[0], true).Should().Be("✅ Все уведомления: включено");
    }

    [Fact]
    public void English_WB_messages_quote_the_English_replace_key_button_and_Russian_ones_the_Russian()
    {
        foreach (var message in new[] { WbMessages.KeyRejected(401, Languages.English), WbMessages.KeyExpiring(At.AddDays(6.5), At, Languages.English) })
            message.Should().Contain("«🔑 Replace key»").And.NotContain("Сменить ключ");
        foreach (var message in new[] { WbMessages.KeyRejected(401, Languages.Russian), WbMessages.KeyExpiring(At.AddDays(6.5), At, Languages.Russian) })
            message.Should().Contain("«🔑 Сменить ключ»");
        BotMessages.Seller("seller_main_menu", Languages.English).Should().Contain("«🔔 Notifications»").And.Contain("«🔑 Replace key»");
        BotMessages.Text("bot_help", Languages.English).Should().Contain("«🔔 Notifications»").And.NotContain("Уведомления");
        SellerMenu.MainKeyboardIn(Languages.English).Keyboard.SelectMany(row => row).Select(b => b.Text)
            .Should().Equal(SellerMenu.NotificationsButtonEnglish, SellerMenu.ReplaceKeyButtonEnglish, SellerMenu.LeaveButtonEnglish);
        // A pressed reply-keyboard button is a text message: the labels of both languages are understood, in any chat.
        foreach (var label in new[] { "🔑 Сменить ключ", "🔑 Replace key", "replace key", "Сменить ключ" })
            SellerMenu.IsReplaceKeyRequest(label, null).Should().BeTrue(label);
        foreach (var label in new[] { "🚪 Отключить кабинет", "🚪 Disconnect cabinet" })
            SellerMenu.IsLeaveRequest(label, null).Should().BeTrue(label);
        foreach (var label in new[] { "🔔 Уведомления", "🔔 Notifications", "notifications" })
            SellerMenu.IsNotificationsRequest(label, null).Should().BeTrue(label);
        SellerMenu.IsNotificationsRequest("🔑 Replace key", null).Should().BeFalse();
        SellerMenu.IsReplaceKeyRequest("Replace", null).Should().BeFalse();
    }

    [Theory]
    [InlineData("en", "en")]
    [InlineData("en-GB", "en")]
    [InlineData("EN-us", "en")]
    [InlineData("ru", "ru")]
    [InlineData("uk", "ru")]
    [InlineData("de", "ru")]
    [InlineData("eng", "ru")]
    [InlineData(null, "ru")]
    public void Telegrams_language_code_picks_English_for_en_and_Russian_otherwise(string? code, string expected) =>
        Languages.FromTelegram(code).Should().Be(expected);

    [Fact]
    public void Dates_and_money_follow_the_language()
    {
        MessageFormat.MoscowTime(At, Languages.Russian).Should().Be("05.03.2026 14:32 МСК");
        MessageFormat.MoscowTime(At, Languages.English).Should().Be("5 Mar 2026, 14:32 MSK");
        MessageFormat.Money(1234.5m, Languages.Russian).Should().Be("1 234,50 ₽");
        MessageFormat.Money(1234.5m, Languages.English).Should().Be("1,234.50 RUB");
        MessageFormat.Money(1284m, Languages.Russian).Should().Be("1 284 ₽");
        MessageFormat.Money(1284m, Languages.English).Should().Be("1,284 RUB");
        var booking = new BookingMessageData("R", At, At, TimeZoneInfo.FindSystemTimeZoneById("Europe/Moscow"));
        booking.Format(At, Languages.Russian).Should().Be("05.03.2026 14:32 (UTC+03:00)");
        booking.Format(At, Languages.English).Should().Be("5 Mar 2026, 14:32 (UTC+03:00)");
    }

    /// <summary>At most 4,096 characters of HTML with only the tags the templates use, every &amp; an entity Telegram knows.</summary>
    private static void ShouldBeValidTelegramHtml(string text, string what)
    {
        text.Length.Should().BeLessThanOrEqualTo(TelegramHtml.MaxMessageLength, what);
        var withoutTags = AllowedTag().Replace(text, "");
        withoutTags.Should().NotContainAny(["<", ">"], what);
        UnknownEntity().IsMatch(withoutTags).Should().BeFalse($"every & in {what} starts an entity Telegram knows");
    }

    [GeneratedRegex("<a href=\"[^\"<>]*\">|</a>|</?b>|</?i>")]
    private static partial Regex AllowedTag();

    [GeneratedRegex("&(?!(amp|lt|gt|quot);)")]
    private static partial Regex UnknownEntity();

    /// <summary>A template folder with the same templates in every language.</summary>
    private static string TemplateFolder(params (string Name, string Source)[] templates)
    {
        var directory = Directory.CreateTempSubdirectory("felixhub-templates-").FullName;
        foreach (var language in Languages.All)
        {
            Directory.CreateDirectory(Path.Combine(directory, language));
            foreach (var (name, source) in templates) File.WriteAllText(Path.Combine(directory, language, name + MessageTemplates.Extension), source + "\n");
        }
        return directory;
    }

    private sealed class ListLogger : ILogger
    {
        public List<string> Messages { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Messages) Messages.Add(formatter(state, exception));
        }
    }
}
