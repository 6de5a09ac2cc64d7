using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using FelixHub.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace FelixHub.Core.Inbox;

/// <summary>What one NOTIFY says: which notifications (or read changes) concern which users.</summary>
public sealed record BackplaneMessage(
    [property: JsonPropertyName("k")] string Kind,
    [property: JsonPropertyName("n")] Guid[] NotificationIds,
    [property: JsonPropertyName("u")] string[] UserIds)
{
    /// <summary>New notifications: each host loads them for its connected users and sends them.</summary>
    public const string New = "n";

    /// <summary>A notification was read: each host sends the user's new unread count.</summary>
    public const string Read = "r";
}

/// <summary>
/// PostgreSQL LISTEN/NOTIFY as the backplane between replicas. A NOTIFY carries only ids (small,
/// well under the 8000-byte payload limit: long recipient lists are split over several NOTIFYs);
/// every replica's <see cref="InboxListener"/> receives it and delivers to its own sockets. NOTIFY
/// is transactional: it is delivered when, and only if, the transaction that sent it commits.
/// </summary>
public static class InboxBackplane
{
    public const string Channel = "felixhub_inbox";

    /// <summary>PostgreSQL refuses payloads of 8000 bytes or more; stay clearly below.</summary>
    public const int MaxPayloadBytes = 7500;

    private const int MaxIdsPerPayload = 50;

    /// <summary>The payloads for one event, each below <see cref="MaxPayloadBytes"/>; every (id, user) pair is in exactly one.</summary>
    public static IReadOnlyList<string> BuildPayloads(string kind, IReadOnlyList<Guid> ids, IReadOnlyList<string> userIds)
    {
        var payloads = new List<string>();
        if (ids.Count == 0 || userIds.Count == 0) return payloads;
        foreach (var idChunk in ids.Chunk(MaxIdsPerPayload))
        {
            var emptySize = Encoding.UTF8.GetByteCount(Serialize(new BackplaneMessage(kind, idChunk, [])));
            var users = new List<string>();
            var size = emptySize;
            foreach (var user in userIds)
            {
                var add = JsonEncodedText.Encode(user).EncodedUtf8Bytes.Length + 2 + (users.Count > 0 ? 1 : 0);
                if (users.Count > 0 && size + add > MaxPayloadBytes)
                {
                    payloads.Add(Serialize(new BackplaneMessage(kind, idChunk, [.. users])));
                    users.Clear();
                    size = emptySize;
                    add -= 1;
                }
                users.Add(user);
                size += add;
            }
            payloads.Add(Serialize(new BackplaneMessage(kind, idChunk, [.. users])));
        }
        return payloads;
    }

    public static BackplaneMessage? Parse(string payload)
    {
        try
        {
            var message = JsonSerializer.Deserialize<BackplaneMessage>(payload);
            return message is { Kind: BackplaneMessage.New or BackplaneMessage.Read, NotificationIds: not null, UserIds: not null } ? message : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// Sends the NOTIFYs, in order, in one statement on the context's connection (inside its transaction,
    /// if one is open): an alert to thousands of users is one round trip, not one per payload.
    /// </summary>
    public static async Task PublishAsync(FelixHubDbContext db, IReadOnlyList<string> payloads, CancellationToken ct)
    {
        if (payloads.Count == 0) return;
        var all = payloads.ToArray();
        await db.Database.ExecuteSqlAsync($"SELECT pg_notify({Channel}, p) FROM unnest({all}) WITH ORDINALITY AS u(p, n) ORDER BY n", ct);
    }

    private static string Serialize(BackplaneMessage message) => JsonSerializer.Serialize(message);
}
