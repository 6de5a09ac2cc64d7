using System.Globalization;
using FelixHub.Core.Delivery;
using FelixHub.Core.Telegram;
using Npgsql;

namespace FelixHub.Core.Wildberries.Notifications;

/// <summary>
/// What the WB events add to the delivery pipeline: settings apply at once (an event whose type the
/// user switched off since it was queued is not sent), a configured bot webhook replaces Telegram, and
/// every event that went out is remembered in <c>notification_history</c> (seed 003), in the same commit.
/// </summary>
public sealed class WbDeliveryHooks(WbWebhookSender webhook) : IDeliveryHooks
{
    private static readonly HashSet<string> Kinds = [.. WbEventType.Switchable, .. WbEventType.CabinetNotices, WbEventType.Digest];

    /// <summary>The ledger message of one event for one user of the cabinet (bulk: sent by the dispatcher).</summary>
    /// <summary>The message of <paramref name="e"/> to one user, in their <paramref name="language"/> (null: the default).</summary>
    public static OutgoingMessage Message(long cabinetId, long telegramId, WbEvent e, string? language = null) =>
        new(e.Type, MessageHash.Compute("wb", telegramId, e.Key), telegramId.ToString(CultureInfo.InvariantCulture), e.TextIn(Templates.Languages.OrDefault(language)))
        {
            CabinetId = cabinetId,
            EventKey = e.Key,
            PhotoUrl = e.PhotoUrl,
            Bulk = true,
            // The end of the initial sync opens the bot's main menu (seed 003): never before it.
            ReplyMarkup = e.Type == WbEventType.SyncComplete ? DeliveryTransport.SerializeMarkup(SellerMenu.MainKeyboardIn(Templates.Languages.OrDefault(language))) : null,
        };

    public bool Handles(string kind) => Kinds.Contains(kind);

    /// <summary>A WB event goes to the user it was written for.</summary>
    public Task<IReadOnlyDictionary<long, Recipient>> RecipientsAsync(NpgsqlConnection connection, IReadOnlyList<DispatchMessage> messages, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyDictionary<long, Recipient>>(new Dictionary<long, Recipient>());

    public async Task<IReadOnlyDictionary<long, string>> WithdrawnAsync(NpgsqlConnection connection, IReadOnlyList<DispatchMessage> messages, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"""
            SELECT m.id FROM unnest($1::bigint[], $2::text[], $3::bigint[]) AS m(id, event_type, telegram_id)
            LEFT JOIN notification_settings s ON s.telegram_id = m.telegram_id
            WHERE NOT {WbEventType.AllowedSql("m.event_type")}
            """, connection);
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. messages.Select(m => m.Id)] });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. messages.Select(m => m.Kind)] });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. messages.Select(m => TelegramIdOf(m))] });
        var withdrawn = new Dictionary<long, string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) withdrawn[reader.GetInt64(0)] = "switched off in the user's settings before delivery";
        return withdrawn;
    }

    public bool DeliversElsewhere => webhook.IsEnabled;

    public Task<TelegramSendResult> DeliverElsewhereAsync(DispatchMessage m, CancellationToken cancellationToken) =>
        webhook.SendAsync(new WbWebhookPayload(m.EventKey ?? "", m.Kind, TelegramIdOf(m), m.CabinetId ?? 0, m.Text, m.PhotoUrl), cancellationToken);

    public IEnumerable<NpgsqlBatchCommand> OnSent(IReadOnlyList<DispatchMessage> sent, DateTimeOffset at)
    {
        var command = new NpgsqlBatchCommand("""
            INSERT INTO notification_history (telegram_id, event_key, event_type, cabinet_id, sent_at)
            SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::timestamptz[])
            ON CONFLICT (telegram_id, event_key) DO NOTHING
            """);
        var withKey = sent.Where(m => m.EventKey is not null && m.CabinetId is not null).ToList();
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. withKey.Select(m => TelegramIdOf(m))] });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. withKey.Select(m => m.EventKey!)] });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. withKey.Select(m => m.Kind)] });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. withKey.Select(m => m.CabinetId!.Value)] });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = [.. withKey.Select(_ => at.ToUniversalTime())] });
        yield return command;
    }

    private static long TelegramIdOf(DispatchMessage m) => long.Parse(m.ChatId, CultureInfo.InvariantCulture);
}
