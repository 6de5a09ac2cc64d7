using FelixHub.Core.Telegram;

namespace FelixHub.Core.Bot;

/// <summary>What the bot says, in Telegram HTML (user values escaped).</summary>
public static class BotMessages
{
    public const string Welcome =
        "👋 Здравствуйте! Это бот FelixHub.\n\n" +
        "Механики подключаются по ссылке, которую выдаёт администратор: откройте её, и уведомления о ваших заказах будут приходить в этот чат.";

    public const string Help =
        "ℹ️ Я бот уведомлений FelixHub и понимаю только ссылки подключения.\n\n" +
        "Чтобы подключиться, откройте ссылку, которую выдал администратор.\n" +
        "/start — начать\n/help — эта подсказка";

    public const string LinkUnknown = "⛔ Ссылка недействительна. Попросите администратора выдать новую.";
    public const string LinkUsed = "⛔ Эта ссылка уже использована. Попросите администратора выдать новую.";
    public const string LinkExpired = "⌛ Срок действия ссылки истёк. Попросите администратора выдать новую.";
    public const string LinkNotPrivate = "⛔ Откройте ссылку в личном чате с ботом, а не в группе.";

    public static string Linked(string mechanicName) =>
        $"✅ Готово, {TelegramHtml.Escape(mechanicName)}! Этот чат привязан к вашему профилю механика в FelixHub: сюда будут приходить уведомления о ваших заказах.";
}
