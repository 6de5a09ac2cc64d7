using FelixHub.Core.OrderNotifications;
using FelixHub.Core.Orders;
using FelixHub.Core.Templates;

namespace FelixHub.Core.Bot;

/// <summary>What the bot says, in Telegram HTML (user values escaped); answers to a button press are plain text.</summary>
public static class BotMessages
{
    public const string Welcome =
        "👋 Здравствуйте! Это бот FelixHub.\n\n" +
        "Механики подключаются по ссылке, которую выдаёт администратор: откройте её, и уведомления о ваших заказах будут приходить в этот чат.";

    public const string Help =
        "ℹ️ Я бот уведомлений FelixHub.\n\n" +
        "Продавцам Wildberries: /start — подключить кабинет по API-ключу, затем «🔔 Уведомления» в меню.\n" +
        "Механикам: откройте ссылку, которую выдал администратор.\n\n" +
        "/start — начать\n/settings — какие уведомления о заказах получать\n/quiet — тихие часы (ночью без уведомлений)\n/language — язык сообщений (Русский / English)\n/help — эта подсказка";

    public const string LinkUnknown = "⛔ Ссылка недействительна. Попросите администратора выдать новую.";
    public const string LinkUsed = "⛔ Эта ссылка уже использована. Попросите администратора выдать новую.";
    public const string LinkExpired = "⌛ Срок действия ссылки истёк. Попросите администратора выдать новую.";
    public const string LinkNotPrivate = "⛔ Откройте ссылку в личном чате с ботом, а не в группе.";
    public const string LinkDeactivated = "⛔ Этот профиль механика отключён. Обратитесь к администратору.";

    public static string Linked(string mechanicName, string language = Languages.Default) =>
        MessageTemplates.Current.Render("bot_mechanic_linked", language, new Dictionary<string, object?> { ["name"] = mechanicName });

    public static string UserLinked(string? userName, string language = Languages.Default) =>
        MessageTemplates.Current.Render("bot_user_linked", language, new Dictionary<string, object?> { ["name"] = string.IsNullOrWhiteSpace(userName) ? null : userName });

    /// <summary>
    /// A reply without values from its template (<c>bot_welcome</c>, <c>bot_help</c>, <c>bot_link_*</c>,
    /// <c>bot_preferences_*</c>) in <paramref name="language"/>; the constants of this class are their Russian texts.
    /// </summary>
    public static string Text(string template, string language) => MessageTemplates.Current.Render(template, language, new Dictionary<string, object?>());

    // ---- /settings: a mechanic's or customer's order notifications ----

    public const string PreferencesTitle =
        "⚙️ <b>Уведомления о заказах</b>\n\nНажмите на кнопку, чтобы включить или выключить. ✅ — приходят, 🔕 — выключены.";

    public const string PreferencesNotForYou =
        "ℹ️ Настройки уведомлений о заказах есть у механиков и клиентов автосервиса. Механики подключаются по ссылке от администратора.";

    public const string PreferencesUnknownButton = "⛔ Эта кнопка больше не действует. Отправьте /settings.";

    public static string PreferencesUnknownButtonIn(string language) => Answer("answer_preferences_unknown_button", language, new());

    public static string PreferenceSwitched(string name, bool on, string language = Languages.Default) =>
        Answer("answer_preference_switched", language, new() { ["name"] = name, ["on"] = on });

    // ---- /quiet: any recipient's quiet hours ----

    /// <summary>The <c>/quiet</c> menu: the chat's window now (or none), its mode and zone, and what the buttons do.</summary>
    public static string QuietTitle(string? from, string? to, string timeZone, string mode, string language = Languages.Default) =>
        MessageTemplates.Current.Render("bot_quiet_title", language, new Dictionary<string, object?>
        {
            ["quiet_from"] = from,
            ["quiet_to"] = to,
            ["time_zone"] = timeZone,
            ["silent"] = mode == "silent",
        });

    public const string QuietUnknownButton = "⛔ Эта кнопка больше не действует. Отправьте /quiet.";

    public static string QuietUnknownButtonIn(string language) => Answer("answer_quiet_unknown_button", language, new());

    public static string QuietSaved(string? from, string? to, string language = Languages.Default) =>
        Answer("answer_quiet_saved", language, new() { ["quiet_from"] = from, ["quiet_to"] = to });

    public static string QuietModeSaved(string mode, string language = Languages.Default) =>
        Answer("answer_quiet_mode_saved", language, new() { ["silent"] = mode == "silent" });

    // ---- the mechanic's status buttons (answers to a press: plain text, at most 200 characters; templates answer_*) ----

    public static string StepTaken(int orderId, string status, string language = Languages.Default) =>
        Answer("answer_step_taken", language, new() { ["order_id"] = orderId, ["status"] = OrderStatus.Label(status, language) });

    public static string StepAlreadyTaken(int orderId, string status, DateTimeOffset since, string language = Languages.Default) =>
        Answer("answer_step_already_taken", language, new()
        {
            ["order_id"] = orderId,
            ["status"] = OrderStatus.Label(status, language),
            ["since"] = OrderMessages.MoscowTime(since, language),
        });

    public static string StepStatusMoved(int orderId, string status, string language = Languages.Default) =>
        Answer("answer_step_status_moved", language, new() { ["order_id"] = orderId, ["status"] = OrderStatus.Label(status, language) });

    public static string StepNotAssigned(int orderId, string language = Languages.Default) =>
        Answer("answer_step_not_assigned", language, new() { ["order_id"] = orderId });

    /// <summary>The Russian text of <see cref="StepOtherChatIn"/>.</summary>
    public const string StepOtherChat = "⛔ Эта кнопка — для механика, которому назначен заказ, в его чате с ботом. Ничего не изменено.";

    public static string StepOtherChatIn(string language) => Answer("answer_step_other_chat", language, new());

    /// <summary>The Russian text of <see cref="StepOrderGoneIn"/>.</summary>
    public const string StepOrderGone = "⚠️ Этого заказа больше нет.";

    public static string StepOrderGoneIn(string language) => Answer("answer_step_order_gone", language, new());

    /// <summary>The Russian text of <see cref="OrderButtonUnknownIn"/>.</summary>
    public const string OrderButtonUnknown = "⚠️ Эта кнопка больше не действует. Откройте заказ в FelixHub.";

    public static string OrderButtonUnknownIn(string language) => Answer("answer_order_button_unknown", language, new());

    // ---- /language ----

    /// <summary>The <c>/language</c> menu (template <c>bot_language</c>) in the chat's language.</summary>
    public static string LanguageTitle(string language) => MessageTemplates.Current.Render("bot_language", language, new Dictionary<string, object?>());

    public static string LanguageSaved(string language) => Answer("answer_language_saved", language, new());

    public static string LanguageUnknownButton(string language) => Answer("answer_language_unknown_button", language, new());

    private static string Answer(string template, string language, Dictionary<string, object?> model) =>
        MessageTemplates.Current.RenderPlain(template, language, model);

    // ---- the seller (seed 003) ----

    public const string AskKey =
        "👋 Здравствуйте! Это бот уведомлений FelixHub для продавцов Wildberries.\n\n" +
        "Чтобы начать, пришлите <b>API-ключ</b> вашего кабинета WB одним сообщением. Создать его можно в личном кабинете продавца: " +
        "Профиль → Настройки → Доступ к API → Создать токен. Отметьте категории:\n" +
        "• «Статистика» — заказы, выкупы, отмены и возвраты (обязательна);\n" +
        "• «Аналитика» — критические остатки;\n" +
        "• «Контент» — фото товаров в уведомлениях;\n" +
        "• «Вопросы и отзывы» — негативные отзывы.\n" +
        "Достаточно доступа «Только на чтение».\n\n" +
        "🔒 Сообщение с ключом я сразу удалю из чата, а ключ сохраню в зашифрованном виде.";

    public const string KeyMalformed =
        "❌ Это не похоже на API-ключ Wildberries: ключ — длинная строка из трёх частей, разделённых точками.\n\n" +
        "Скопируйте ключ целиком из личного кабинета WB и пришлите его ещё раз.";

    public static string KeyExpired(DateTimeOffset? expiredAt, string language = Languages.Default) =>
        Seller("seller_key_expired", language, new() { ["expired_at"] = expiredAt is { } at ? MessageFormat.MoscowTime(at, language) : null });

    public static string KeyRejected(int? status, string? reason, string language = Languages.Default) =>
        Seller("seller_key_rejected", language, new() { ["status"] = status, ["reason"] = string.IsNullOrWhiteSpace(reason) ? null : reason });

    public const string KeyWithoutStatistics =
        "❌ У этого ключа нет доступа к категории «Статистика»: без неё бот не видит заказы, выкупы, отмены и возвраты, и подключить кабинет нельзя.\n\n" +
        Wildberries.Notifications.WbMessages.KeyHowTo + " Пришлите новый ключ сюда.";

    public const string WbUnavailable =
        "⏳ Не удалось проверить ключ: Wildberries сейчас не отвечает или ограничил запросы. Пришлите ключ ещё раз через минуту.";

    public const string KeyAccepted =
        "✅ Ключ принят. Идёт <b>первичная синхронизация</b>: загружаю заказы, продажи, отзывы и остатки из Wildberries.\n\n" +
        "Это может занять несколько минут. Главное меню откроется, как только синхронизация завершится.";

    public const string KeyAcceptedSynced = "✅ Ключ принят: этот кабинет уже подключён и синхронизирован.";

    public const string Syncing =
        "⏳ Первичная синхронизация ещё идёт. Главное меню откроется, как только она завершится — я пришлю сообщение.";

    public const string MainMenu = "🏠 <b>Главное меню</b>\n\nУведомления о заказах, выкупах, отменах, возвратах, негативных отзывах и критических остатках приходят сюда. Настроить их — «🔔 Уведомления». Новый API-ключ — «🔑 Сменить ключ».";

    public const string AskNewKey =
        "🔑 <b>Смена API-ключа</b>\n\nПришлите новый ключ этого кабинета WB одним сообщением — кабинет, история и настройки уведомлений сохранятся. " +
        "Ключ должен быть того же продавца. " + Wildberries.Notifications.WbMessages.KeyHowTo + "\n\n" +
        "🔒 Сообщение с ключом я сразу удалю из чата. Передумали — /menu.";

    public static string KeyReplaced(DateTimeOffset? expiresAt, string language = Languages.Default) =>
        Seller("seller_key_replaced", language, new() { ["expires_at"] = expiresAt is { } at ? MessageFormat.MoscowTime(at, language) : null });

    public const string KeyOfAnotherSeller =
        "❌ Этот ключ другого продавца: заменить ключ кабинета можно только ключом того же продавца WB.\n\n" +
        "Пришлите ключ этого кабинета или нажмите /menu, чтобы отменить.";

    public const string KeyInUse =
        "❌ Этот ключ уже подключён к другому кабинету. Создайте новый ключ для этого кабинета и пришлите его сюда или нажмите /menu, чтобы отменить.";

    public const string ConfirmLeave =
        "🚪 <b>Отключить кабинет?</b>\n\nУведомления из кабинета WB перестанут приходить, ещё не отправленные отменятся. " +
        "Если вы последний пользователь кабинета, его API-ключ и все загруженные данные (заказы, продажи, отзывы, остатки, история уведомлений) будут удалены.";

    public static string Left(bool deleted, string language = Languages.Default) => Seller("seller_left", language, new() { ["deleted"] = deleted });

    public const string LeaveCancelled = "Кабинет остаётся подключённым.";

    public const string LeaveNothing = "У вас нет подключённого кабинета.";

    public const string KeyNeededFirst = "🔑 Сначала подключите кабинет Wildberries: отправьте /start и пришлите API-ключ.";

    public const string Settings =
        "🔔 <b>Уведомления</b>\n\nНажмите на строку, чтобы включить или выключить: ✅ — включено, ❌ — выключено.\n" +
        "«Все уведомления» — общий выключатель: пока он выключен, не приходит ни одно.\n" +
        "🌙 Тихие часы (ночью без звука или до утра): /quiet";

    public const string UnknownButton = "⚠️ Эта кнопка больше не действует. Откройте «🔔 Уведомления» заново.";

    /// <summary>
    /// A seller's message (template <c>seller_*</c>) in <paramref name="language"/>: the templates get the
    /// main menu's button labels and <c>key_how_to</c> in that language. The constants above are their Russian texts.
    /// </summary>
    public static string Seller(string template, string language, Dictionary<string, object?>? values = null)
    {
        var model = new Dictionary<string, object?>
        {
            ["key_how_to"] = MessageTemplates.Current.Render("wb_key_how_to", language, new Dictionary<string, object?>()),
            ["notifications_button"] = Wildberries.SellerMenu.NotificationsButtonIn(language),
            ["replace_key_button"] = Wildberries.SellerMenu.ReplaceKeyButtonIn(language),
        };
        foreach (var (key, value) in values ?? []) model[key] = value;
        return MessageTemplates.Current.Render(template, language, model);
    }

    /// <summary>The answer to a press of a seller's button the bot no longer serves (the Russian text: <see cref="UnknownButton"/>).</summary>
    public static string UnknownButtonIn(string language) =>
        Answer("answer_seller_unknown_button", language, new() { ["notifications_button"] = Wildberries.SellerMenu.NotificationsButtonIn(language) });

    /// <summary>«Отмена» under «Отключить кабинет?» (the Russian text: <see cref="LeaveCancelled"/>).</summary>
    public static string LeaveCancelledIn(string language) => Answer("answer_seller_leave_cancelled", language, new());

    /// <summary>The answer to a press of a «🔔 Уведомления» switch.</summary>
    public static string SellerSwitched(string name, bool on, string language = Languages.Default) =>
        Answer("answer_seller_switched", language, new() { ["name"] = name, ["on"] = on });

    /// <summary>The answer to a press of a digest mode (<c>immediate</c>, <c>hourly</c>, <c>daily</c>) for one kind of event.</summary>
    public static string DigestModeSaved(string name, string mode, string language = Languages.Default) =>
        Answer("answer_digest_mode_saved", language, new() { ["name"] = name, ["mode"] = mode });

    /// <summary>The answer to a press of a daily digest time.</summary>
    public static string DigestTimeSaved(string time, string language = Languages.Default) =>
        Answer("answer_digest_time_saved", language, new() { ["time"] = time });
}
