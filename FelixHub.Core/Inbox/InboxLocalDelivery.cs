using FelixHub.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FelixHub.Core.Inbox;

/// <summary>
/// Turns a backplane message into socket events for the users connected to this host: loads only
/// what they need (nothing at all when none of the recipients is connected here).
/// </summary>
public sealed partial class InboxLocalDelivery(IServiceScopeFactory scopes, IInboxBroadcaster sockets, ILogger<InboxLocalDelivery> logger)
{
    private const int UsersPerQuery = 1000;

    public async Task DeliverAsync(BackplaneMessage message, CancellationToken ct)
    {
        var local = message.UserIds.Where(sockets.IsConnected).Distinct(StringComparer.Ordinal).ToArray();
        if (local.Length == 0) return;

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<FelixHubDbContext>();
        var counts = await UnreadCountsAsync(db, local, ct);
        if (message.Kind == BackplaneMessage.Read)
        {
            var readId = message.NotificationIds.Length == 1 ? message.NotificationIds[0] : (Guid?)null;
            foreach (var user in local) Send(user, InboxEvents.UnreadCount(counts.GetValueOrDefault(user), readId));
            return;
        }

        var ids = message.NotificationIds;
        // Each notification once, its recipients here without it: an alert to thousands of office users
        // is one row to load, and its event is written once per distinct (read, unread count), not per user.
        var notifications = await db.Set<InboxNotification>().AsNoTracking()
            .Where(n => ids.Contains(n.Id))
            .ToDictionaryAsync(n => n.Id, ct);
        var rows = await db.Set<InboxRecipient>().AsNoTracking()
            .Where(r => ids.Contains(r.NotificationId) && local.Contains(r.UserId))
            .Select(r => new { r.UserId, r.ReadAt, r.NotificationId })
            .ToListAsync(ct);
        var events = new Dictionary<(Guid, bool, int), byte[]>();
        foreach (var perUser in rows.Where(r => notifications.ContainsKey(r.NotificationId)).GroupBy(r => r.UserId))
        {
            var items = perUser.Select(r => (Notification: notifications[r.NotificationId], r.ReadAt))
                .OrderBy(r => r.Notification.CreatedAt).ThenBy(r => r.Notification.Id).ToList();
            // The count each event shows is the count once that notification has arrived.
            var unreadLater = items.Count(r => r.ReadAt is null);
            foreach (var item in items)
            {
                if (item.ReadAt is null) unreadLater--;
                var key = (item.Notification.Id, item.ReadAt is not null, counts.GetValueOrDefault(perUser.Key) - unreadLater);
                if (!events.TryGetValue(key, out var bytes))
                    events[key] = bytes = InboxEvents.NewNotification(item.Notification, key.Item2, key.Item3);
                Send(perUser.Key, bytes);
            }
        }
    }

    /// <summary>Sends each connected user among <paramref name="users"/> (all connected users when null) their unread count.</summary>
    public async Task SyncAsync(IReadOnlyCollection<string>? users, CancellationToken ct)
    {
        var local = (users ?? sockets.ConnectedUsers).Where(sockets.IsConnected).Distinct(StringComparer.Ordinal).ToArray();
        if (local.Length == 0) return;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<FelixHubDbContext>();
        var counts = await UnreadCountsAsync(db, local, ct);
        foreach (var user in local) Send(user, InboxEvents.UnreadCount(counts.GetValueOrDefault(user)));
    }

    /// <summary>Each new socket (<c>Send</c> queues to it) its user's unread count, read for all of them at once.</summary>
    public async Task SyncSocketsAsync(IReadOnlyList<(string UserId, Func<ReadOnlyMemory<byte>, bool> Send)> newSockets, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<FelixHubDbContext>();
        var counts = await UnreadCountsAsync(db, newSockets.Select(s => s.UserId).Distinct(StringComparer.Ordinal).ToArray(), ct);
        foreach (var (userId, send) in newSockets) send(InboxEvents.UnreadCount(counts.GetValueOrDefault(userId)));
    }

    private void Send(string user, byte[] message)
    {
        var queued = sockets.Send(user, message);
        LogSent(logger, user, queued);
    }

    private static async Task<Dictionary<string, int>> UnreadCountsAsync(FelixHubDbContext db, string[] users, CancellationToken ct)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var chunk in users.Chunk(UsersPerQuery))
        {
            var rows = await db.Set<InboxRecipient>()
                .Where(r => chunk.Contains(r.UserId) && r.ReadAt == null)
                .GroupBy(r => r.UserId)
                .Select(g => new { UserId = g.Key, Count = g.Count() })
                .ToListAsync(ct);
            foreach (var row in rows) counts[row.UserId] = row.Count;
        }
        return counts;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Inbox event queued for user {UserId} on {Sockets} socket(s)")]
    private static partial void LogSent(ILogger logger, string userId, int sockets);
}
