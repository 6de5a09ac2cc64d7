namespace FelixHub.Core.Bot;

/// <summary>Per bot (<c>telegram_bot_state</c>): the highest update id handled, where polling resumes after a restart.</summary>
public sealed class BotState
{
    public long BotId { get; set; }
    public long LastUpdateId { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}
