using FelixHub.Core.Delivery;
using FelixHub.Core.Telegram;
using Npgsql;

namespace FelixHub.Core.Bookings;

/// <summary>
/// What bookings add to the delivery pipeline: a reminder goes to its user's chat as it is when the
/// reminder is sent, so a user who links or changes their Telegram after booking still gets it; a user
/// with no chat by then gets nothing, and the reminder shows <c>FAILED</c> with seed 001's reason.
/// </summary>
public sealed class BookingDeliveryHooks : IDeliveryHooks
{
    private static readonly HashSet<string> Kinds = [.. BookingNotificationTypeCodes.All];

    public bool Handles(string kind) => Kinds.Contains(kind);

    public async Task<IReadOnlyDictionary<long, Recipient>> RecipientsAsync(NpgsqlConnection connection, IReadOnlyList<DispatchMessage> messages, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            SELECT m.id, u.id, NULLIF(btrim(u.telegram_id), '')
            FROM delivery_messages m
            JOIN bookings b ON b.id = m.booking_id
            JOIN booking_users u ON u.id = b.user_id
            WHERE m.id = ANY($1)
            """, connection);
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. messages.Select(m => m.Id)] });
        var recipients = new Dictionary<long, Recipient>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var chat = reader.IsDBNull(2) ? null : reader.GetString(2);
            recipients[reader.GetInt64(0)] = new Recipient(chat, chat is null ? $"User {reader.GetInt32(1)} has no telegram_id" : null);
        }
        return recipients;
    }

    public Task<IReadOnlyDictionary<long, string>> WithdrawnAsync(NpgsqlConnection connection, IReadOnlyList<DispatchMessage> messages, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyDictionary<long, string>>(new Dictionary<long, string>());

    public bool DeliversElsewhere => false;

    public Task<TelegramSendResult> DeliverElsewhereAsync(DispatchMessage message, CancellationToken cancellationToken) =>
        throw new NotSupportedException("Booking messages go to Telegram.");

    public IEnumerable<NpgsqlBatchCommand> OnSent(IReadOnlyList<DispatchMessage> sent, DateTimeOffset at) => [];
}
