using System.Collections.Immutable;
using FelixHub.Core.Inbox;

namespace FelixHub.Worker.Inbox;

/// <summary>
/// The sockets open on this host, by user (several per user: tabs, devices). Reads are lock-free
/// snapshots; registering and removing swap the snapshot under a lock. Sending only queues.
/// </summary>
internal sealed class InboxSocketHub : IInboxBroadcaster
{
    private readonly Lock gate = new();
    private volatile ImmutableDictionary<string, ImmutableArray<InboxSocketConnection>> users =
        ImmutableDictionary.Create<string, ImmutableArray<InboxSocketConnection>>(StringComparer.Ordinal);
    private long nextId;

    public IReadOnlyCollection<string> ConnectedUsers => users.Keys.ToArray();

    public bool IsConnected(string userId) => users.ContainsKey(userId);

    public int ConnectionCount(string userId) => users.TryGetValue(userId, out var connections) ? connections.Length : 0;

    public int TotalConnections => users.Values.Sum(c => c.Length);

    public long NextId() => Interlocked.Increment(ref nextId);

    public int Send(string userId, ReadOnlyMemory<byte> utf8Json)
    {
        if (!users.TryGetValue(userId, out var connections)) return 0;
        var queued = 0;
        foreach (var connection in connections)
            if (connection.TryEnqueue(utf8Json)) queued++;
        return queued;
    }

    /// <summary>Adds the connection unless the user already has <paramref name="max"/>; returns the user's count.</summary>
    public bool TryAdd(InboxSocketConnection connection, int max, out int count)
    {
        lock (gate)
        {
            var existing = users.GetValueOrDefault(connection.UserId, []);
            count = existing.Length;
            if (existing.Length >= max) return false;
            users = users.SetItem(connection.UserId, existing.Add(connection));
            count++;
            return true;
        }
    }

    public void Remove(InboxSocketConnection connection)
    {
        lock (gate)
        {
            if (!users.TryGetValue(connection.UserId, out var existing)) return;
            var left = existing.Remove(connection);
            users = left.IsEmpty ? users.Remove(connection.UserId) : users.SetItem(connection.UserId, left);
        }
    }
}
