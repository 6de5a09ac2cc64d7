using System.Net.WebSockets;
using System.Threading.Channels;

namespace FelixHub.Worker.Inbox;

/// <summary>
/// One open socket: a bounded queue of outgoing messages drained by one send loop, so whoever queues
/// (the backplane delivery) never waits for this client. A full queue, or a send slower than
/// <c>Inbox:SendTimeoutSeconds</c>, means the client is too slow: the socket is aborted (and logged);
/// the seed's front ends reconnect and the server never buffers without bound. All sends, the close
/// frame included, happen on the send loop (a WebSocket allows one send at a time).
/// </summary>
internal sealed partial class InboxSocketConnection
{
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(2);

    private readonly Channel<ReadOnlyMemory<byte>> queue;
    private readonly TimeSpan sendTimeout;
    private readonly int capacity;
    private readonly ILogger logger;
    private WebSocketCloseStatus closeStatus = WebSocketCloseStatus.NormalClosure;
    private string closeDescription = "";
    private int ended;

    public InboxSocketConnection(long id, string userId, WebSocket socket, int capacity, TimeSpan sendTimeout, ILogger logger)
    {
        Id = id;
        UserId = userId;
        Socket = socket;
        this.capacity = capacity;
        this.sendTimeout = sendTimeout;
        this.logger = logger;
        queue = Channel.CreateBounded<ReadOnlyMemory<byte>>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public long Id { get; }
    public string UserId { get; }
    public WebSocket Socket { get; }

    /// <summary>Why the server ended the connection (null: the client did, or it is still open).</summary>
    public string? AbortReason { get; private set; }

    public bool TryEnqueue(ReadOnlyMemory<byte> message)
    {
        if (queue.Writer.TryWrite(message)) return true;
        if (Volatile.Read(ref ended) == 0)
        {
            LogSlowClient(logger, Id, UserId, capacity);
            Abort("send queue full");
        }
        return false;
    }

    /// <summary>Sends what is queued, then a close frame; aborts if that takes longer than <paramref name="abortAfter"/>.</summary>
    public void Close(WebSocketCloseStatus status, string description, TimeSpan? abortAfter = null)
    {
        if (Interlocked.CompareExchange(ref ended, 1, 0) != 0) return;
        closeStatus = status;
        closeDescription = description;
        queue.Writer.TryComplete();
        if (abortAfter is { } delay)
            _ = Task.Delay(delay).ContinueWith(_ => Socket.Abort(), TaskScheduler.Default);
    }

    public void Abort(string reason)
    {
        Interlocked.Exchange(ref ended, 1);
        AbortReason ??= reason;
        queue.Writer.TryComplete();
        Socket.Abort();
    }

    public async Task SendLoopAsync()
    {
        try
        {
            await foreach (var message in queue.Reader.ReadAllAsync())
            {
                using var timeout = new CancellationTokenSource(sendTimeout);
                try
                {
                    await Socket.SendAsync(message, WebSocketMessageType.Text, endOfMessage: true, timeout.Token);
                }
                catch (OperationCanceledException) when (timeout.IsCancellationRequested)
                {
                    LogSendTimeout(logger, Id, UserId, sendTimeout.TotalSeconds);
                    Abort("send timed out");
                    return;
                }
            }
            if (Socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                using var timeout = new CancellationTokenSource(CloseTimeout);
                await Socket.CloseOutputAsync(closeStatus, closeDescription, timeout.Token);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            // The socket is gone; the receive loop ends too and the connection is removed.
            Abort("socket broken");
        }
    }

    /// <summary>Reads (and ignores) what the client sends until it closes, breaks, or the request is aborted.</summary>
    public async Task<string> ReceiveLoopAsync(CancellationToken ct)
    {
        var buffer = new byte[1024];
        try
        {
            while (true)
            {
                var result = await Socket.ReceiveAsync(buffer.AsMemory(), ct);
                if (result.MessageType == WebSocketMessageType.Close) return "closed by the client";
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // The socket cancels a pending receive when a ping goes unanswered for KeepAliveTimeout.
            return AbortReason ?? "connection lost: no answer to pings (dead client)";
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            return AbortReason ?? "connection lost: " + ex.Message;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Slow WebSocket client: {Capacity} messages waiting for connection {ConnectionId} of user {UserId}; disconnecting it")]
    private static partial void LogSlowClient(ILogger logger, long connectionId, string userId, int capacity);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Slow WebSocket client: a send to connection {ConnectionId} of user {UserId} took over {Seconds} s; disconnecting it")]
    private static partial void LogSendTimeout(ILogger logger, long connectionId, string userId, double seconds);
}
