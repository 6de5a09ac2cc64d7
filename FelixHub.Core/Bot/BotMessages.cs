using System.Globalization;
using FelixHub.Core.OrderNotifications;
using FelixHub.Core.Telegram;

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
        "/start — начать\n/settings — какие уведомления о заказах получать\n/quiet — тихие часы (ночью без уведомлений)\n/help — эта подсказка";

    public const string LinkUnknown = "⛔ Ссылка недействительна. Попросите администратора выдать новую.";
    public const string LinkUsed = "⛔ Эта ссылка уже использована. Попросите администратора выдать новую.";
    public const string LinkExpired = "⌛ Срок действия ссылки истёк. Попросите администратора выдать новую.";
    public const string LinkNotPrivate = "⛔ Откройте ссылку в личном чате с ботом, а не в группе.";
    public const string LinkDeactivated = "⛔ Этот профиль механика отключён. Обратитесь к администратору.";

    public static string Linked(string mechanicName) =>
        $"✅ Готово, {TelegramHtml.Escape(mechanicName)}! Этот чат привязан к вашему профилю механика в FelixHub: сюда будут приходить уведомления о ваших заказах.";

    public static string UserLinked(string? userName) =>
        (string.IsNullOrWhiteSpace(userName) ? "✅ Готово!" : $"✅ Готово, {TelegramHtml.Escape(userName)}!") +
        " Этот чат привязан к вашему профилю в FelixHub: сюда будут приходить напоминания о ваших бронированиях.";

    // ---- /settings: a mechanic's or customer's order notifications ----

    public const string PreferencesTitle =
        "⚙️ <b>Уведомления о заказах</b>\n\nНажмите на кнопку, чтобы включить или выключить. ✅ — приходят, 🔕 — выключены.";

    public const string PreferencesNotForYou =
        "ℹ️ Настройки уведомлений о заказах есть у механиков и клиентов автосервиса. Механики подключаются по ссылке от администратора.";

    public const string PreferencesUnknownButton = "⛔ Эта кнопка больше не действует. Отправьте /settings.";

    public static string PreferenceSwitched(string name, bool on) => $"{name}: {(on ? "включены" : "выключены")}.";

    // ---- /quiet: any recipient's quiet hours ----

    /// <summary>The <c>/quiet</c> menu: the chat's window now (or none), its mode and zone, and what the buttons do.</summary>
    public static string QuietTitle(string? from, string? to, string timeZone, string mode) =>
        "🌙 <b>Тихие часы</b>\n\n" +
        (from is null || to is null
            ? "Сейчас: выключены — уведомления приходят в любое время."
            : $"Сейчас: {from}–{to} ({TelegramHtml.Escape(timeZone)}), {(mode == "silent" ? "уведомления приходят без звука" : "уведомления ждут до конца тихих часов")}.") +
        "\n\nВыберите время и что делать с уведомлениями в эти часы. Начало брони и её отмена приходят сразу (без звука).";

    public const string QuietUnknownButton = "⛔ Эта кнопка больше не действует. Отправьте /quiet.";

    public static string QuietSaved(string? from, string? to) =>
        from is null || to is null ? "Тихие часы выключены." : $"Тихие часы: {from}–{to}.";

    public static string QuietModeSaved(string mode) =>
        mode == "silent" ? "В тихие часы — без звука." : "В тихие часы уведомления ждут до утра.";

    // ---- the mechanic's status buttons (answers to a press: plain text, at most 200 characters) ----

    public static string StepTaken(int orderId, string status) =>
        string.Create(CultureInfo.InvariantCulture, $"✅ Заказ #{orderId}: теперь «{status}».");

    public static string StepAlreadyTaken(int orderId, string status, DateTimeOffset since) =>
        string.Create(CultureInfo.InvariantCulture, $"ℹ️ Заказ #{orderId} уже «{status}» (с {OrderMessages.MoscowTime(since)}). Ничего не изменено.");

    public static string StepStatusMoved(int orderId, string status) =>
        string.Create(CultureInfo.InvariantCulture, $"⚠️ Статус заказа #{orderId} уже изменился: сейчас «{status}». Ничего не изменено.");

    public static string StepNotAssigned(int orderId) =>
        string.Create(CultureInfo.InvariantCulture, $"⛔ Заказ #{orderId} больше не назначен на вас. Ничего не изменено.");

    public const string StepOtherChat = "⛔ Эта кнопка — для механика, которому назначен заказ, в его чате с ботом. Ничего не изменено.";

    public const string StepOrderGone = "⚠️ Этого заказа больше нет.";

    public const string OrderButtonUnknown = "⚠️ Эта кнопка больше не действует. Откройте заказ в FelixHub.";

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

    public static string KeyExpired(DateTimeOffset? expiredAt) =>
        "❌ Срок действия этого ключа истёк" +
        (expiredAt is { } at ? " " + at.ToOffset(TimeSpan.FromHours(3)).ToString("dd.MM.yyyy HH:mm", System.Globalization.CultureInfo.InvariantCulture) + " МСК" : "") +
        ".\n\nСоздайте новый ключ в личном кабинете WB и пришлите его сюда.";

    public static string KeyRejected(int? status, string? reason) =>
        "❌ Wildberries не принял этот ключ" + (status is { } s ? $" ({s})" : "") +
        (string.IsNullOrWhiteSpace(reason) ? "" : ": <i>" + TelegramHtml.Escape(reason) + "</i>") +
        ".\n\nПроверьте, что ключ действующий и у него есть доступ к категории «Статистика», и пришлите его ещё раз.";

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

    public static string KeyReplaced(DateTimeOffset? expiresAt) =>
        "✅ <b>Ключ заменён.</b> Кабинет, его история и настройки уведомлений сохранены; уведомления приходят как прежде" +
        (expiresAt is { } at ? ".\nНовый ключ действует до " + Wildberries.Notifications.WbMessages.Moscow(at) : "") + ".";

    public const string KeyOfAnotherSeller =
        "❌ Этот ключ другого продавца: заменить ключ кабинета можно только ключом того же продавца WB.\n\n" +
        "Пришлите ключ этого кабинета или нажмите /menu, чтобы отменить.";

    public const string KeyInUse =
        "❌ Этот ключ уже подключён к другому кабинету. Создайте новый ключ для этого кабинета и пришлите его сюда или нажмите /menu, чтобы отменить.";

    public const string ConfirmLeave =
        "🚪 <b>Отключить кабинет?</b>\n\nУведомления из кабинета WB перестанут приходить, ещё не отправленные отменятся. " +
        "Если вы последний пользователь кабинета, его API-ключ и все загруженные данные (заказы, продажи, отзывы, остатки, история уведомлений) будут удалены.";

    public static string Left(bool deleted) =>
        "✅ <b>Кабинет отключён.</b> Уведомления больше не придут." +
        (deleted ? " API-ключ и данные кабинета удалены." : " Другие пользователи кабинета продолжают получать уведомления.") +
        "\n\nПодключить снова — /start.";

    public const string LeaveCancelled = "Кабинет остаётся подключённым.";

    public const string LeaveNothing = "У вас нет подключённого кабинета.";

    public const string KeyNeededFirst = "🔑 Сначала подключите кабинет Wildberries: отправьте /start и пришлите API-ключ.";

    public const string Settings =
        "🔔 <b>Уведомления</b>\n\nНажмите на строку, чтобы включить или выключить: ✅ — включено, ❌ — выключено.\n" +
        "«Все уведомления» — общий выключатель: пока он выключен, не приходит ни одно.\n" +
        "🌙 Тихие часы (ночью без звука или до утра): /quiet";

    public const string UnknownButton = "⚠️ Эта кнопка больше не действует. Откройте «🔔 Уведомления» заново.";
}
