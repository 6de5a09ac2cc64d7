namespace FelixHub.Core.Wildberries.Data;

/// <summary>A Telegram user of a cabinet: several users who registered the same key share one cabinet and one sync.</summary>
public sealed class CabinetUser
{
    public long Id { get; set; }
    public long CabinetId { get; set; }

    /// <summary>The user's Telegram id (also the chat id of their private chat with the bot).</summary>
    public long TelegramId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
