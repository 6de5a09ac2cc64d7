namespace FelixHub.Core.Bot;

/// <summary>
/// A seller who started the bot (<c>telegram_sellers</c>, seed 003's registration by telegram_id) and
/// where their conversation stands. Kept in PostgreSQL so a restart or another replica carries on:
/// the next text after «send your key» is read as the key wherever it arrives. The cabinet itself,
/// once the key is accepted, is the cabinet API's (<c>wb_cabinets</c>, <c>cabinet_users</c>).
/// </summary>
public sealed class SellerChat
{
    /// <summary>The seller's Telegram user id, which is also their private chat with the bot.</summary>
    public long TelegramId { get; set; }

    /// <summary><see cref="SellerChatState"/>.</summary>
    public required string State { get; set; }

    public string? Username { get; set; }
    public string? FirstName { get; set; }

    /// <summary>Keys refused since the bot last asked for one.</summary>
    public int RefusedKeys { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

public static class SellerChatState
{
    /// <summary>The bot asked for the WB API key: the next text message is read as the key (and deleted).</summary>
    public const string AwaitingKey = "awaiting_key";

    /// <summary>«🔑 Сменить ключ» was pressed: the next text message is read as the cabinet's new key (and deleted).</summary>
    public const string AwaitingNewKey = "awaiting_new_key";

    /// <summary>A key was accepted: the cabinet's state (initial sync or active) decides what the seller sees.</summary>
    public const string Registered = "registered";
}
