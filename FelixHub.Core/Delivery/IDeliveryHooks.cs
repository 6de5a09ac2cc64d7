using FelixHub.Core.Telegram;
using Npgsql;

namespace FelixHub.Core.Delivery;

/// <summary>A message's recipient as its feature names it at send time: a chat, or why there is none.</summary>
public sealed record Recipient(string? ChatId, string? Missing = null);

/// <summary>A message the dispatcher is about to send: what a feature's hooks see.</summary>
public sealed record DispatchMessage(long Id, string Kind, string DedupKey, string? EventKey, string ChatId, string Text, string? ReplyMarkup,
    string? PhotoUrl, int? OrderId, int? MechanicId, int? BookingId, long? CabinetId, int Attempts, DateTimeOffset? ExpiresAt)
{
    /// <summary>Due in its chat's quiet hours (silent mode, or a kind that must not wait): sent without sound.</summary>
    public bool Silent { get; init; }
}

/// <summary>
/// What a feature adds to the dispatch path for its own kinds of message (the feature implements it,
/// Delivery calls it): a last check at send time, another way out than Telegram, and what to record with
/// a message that went out. Everything else — claims, retries, pacing, dead letters — is the pipeline's.
/// </summary>
public interface IDeliveryHooks
{
    /// <summary>Whether these hooks apply to messages of <paramref name="kind"/>.</summary>
    bool Handles(string kind);

    /// <summary>
    /// Who the messages go to now, for kinds whose recipient is named at send time (a booking user who
    /// linked or changed their chat since): per message its chat, or why there is none (the message then
    /// fails with that reason). Messages left out keep the chat they were written with.
    /// </summary>
    Task<IReadOnlyDictionary<long, Recipient>> RecipientsAsync(NpgsqlConnection connection, IReadOnlyList<DispatchMessage> messages, CancellationToken cancellationToken);

    /// <summary>
    /// Messages no longer wanted at send time (e.g. the recipient switched the kind off since it was
    /// written): their ids and why. They become <c>skipped</c>. Runs in the transaction that holds the rows.
    /// </summary>
    Task<IReadOnlyDictionary<long, string>> WithdrawnAsync(NpgsqlConnection connection, IReadOnlyList<DispatchMessage> messages, CancellationToken cancellationToken);

    /// <summary>Whether these kinds currently go out some other way than Telegram (a webhook).</summary>
    bool DeliversElsewhere { get; }

    /// <summary>Delivers a message that way (only called while <see cref="DeliversElsewhere"/>); the result is read like Telegram's.</summary>
    Task<TelegramSendResult> DeliverElsewhereAsync(DispatchMessage message, CancellationToken cancellationToken);

    /// <summary>Statements to run, in the same commit as their new state, for messages that went out.</summary>
    IEnumerable<NpgsqlBatchCommand> OnSent(IReadOnlyList<DispatchMessage> sent, DateTimeOffset at);
}
