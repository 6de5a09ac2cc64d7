namespace FelixHub.Core.Bot;

/// <summary>
/// One update the bot has handled (<c>telegram_updates</c>). The primary key (bot, update id) is what
/// makes an update handled once: the row is inserted in the transaction that handles the update, so a
/// second delivery (a webhook retry, a re-served poll, another replica) finds it and does nothing.
/// </summary>
public sealed class HandledUpdate
{
    public long BotId { get; set; }
    public long UpdateId { get; set; }

    /// <summary>The chat it came from, when it has one (the flood limit counts per chat).</summary>
    public string? ChatId { get; set; }

    /// <summary><c>message</c>, <c>callback_query</c>, ...</summary>
    public required string Kind { get; set; }

    /// <summary><c>polling</c> or <c>webhook</c>.</summary>
    public required string Source { get; set; }

    /// <summary>What happened: see <see cref="UpdateOutcomes"/>.</summary>
    public required string Outcome { get; set; }

    public DateTimeOffset HandledAt { get; set; }
}

/// <summary>The <c>telegram_updates.outcome</c> values.</summary>
public static class UpdateOutcomes
{
    public const string Replied = "replied";
    public const string ReplyFailed = "reply_failed";
    public const string ReplyRefused = "reply_refused";
    public const string NoReply = "no_reply";
    public const string Throttled = "throttled";
    public const string Ignored = "ignored";
    public const string Failed = "failed";

    /// <summary>Outcomes that cost the chat a reply (what the flood limit counts).</summary>
    public static readonly string[] Answered = [Replied, ReplyFailed, ReplyRefused];
}
