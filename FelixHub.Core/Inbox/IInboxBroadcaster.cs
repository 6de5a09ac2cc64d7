namespace FelixHub.Core.Inbox;

/// <summary>
/// This host's sockets. The backplane listener (<see cref="InboxListener"/>) asks which users are
/// connected here and hands it each user's events; the WebSocket side of the worker implements it.
/// Sending never waits for a client: it queues, or drops a socket that is too slow.
/// </summary>
public interface IInboxBroadcaster
{
    /// <summary>Users with at least one open socket on this host.</summary>
    IReadOnlyCollection<string> ConnectedUsers { get; }

    bool IsConnected(string userId);

    /// <summary>Queues one UTF-8 JSON text message to every socket of the user; returns how many sockets took it.</summary>
    int Send(string userId, ReadOnlyMemory<byte> utf8Json);
}

/// <summary>A host without sockets (the default until the WebSocket side replaces it).</summary>
internal sealed class NoLocalSockets : IInboxBroadcaster
{
    public IReadOnlyCollection<string> ConnectedUsers => [];

    public bool IsConnected(string userId) => false;

    public int Send(string userId, ReadOnlyMemory<byte> utf8Json) => 0;
}
