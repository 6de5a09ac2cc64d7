using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using FelixHub.Tests.Infrastructure;

namespace FelixHub.Tests.Inbox;

/// <summary>
/// A real <see cref="ClientWebSocket"/> on a worker's <c>/ws</c>, as seed 002's front ends open it,
/// recording every server event. <see cref="ConnectAsync"/> returns once the server has registered
/// the socket (its first event, the unread count, has arrived).
/// </summary>
public sealed class InboxSocket : IAsyncDisposable
{
    private readonly ConcurrentQueue<JsonObject> received = new();
    private readonly Task? receiving;

    private readonly HttpMessageInvoker? invoker;

    private InboxSocket(ClientWebSocket socket, string userId, bool read, HttpMessageInvoker? invoker)
    {
        this.invoker = invoker;
        Socket = socket;
        UserId = userId;
        if (read) receiving = ReceiveAsync();
    }

    public ClientWebSocket Socket { get; }
    public string UserId { get; }
    public IReadOnlyList<JsonObject> Events => received.ToArray();

    /// <summary>The <c>data.notification</c> of each event that carried one.</summary>
    public IReadOnlyList<JsonObject> Notifications =>
        Events.Select(e => e["data"]?["notification"]).OfType<JsonObject>().ToList();

    public int? LastUnreadCount => Events.LastOrDefault()?["data"]?["unread_count"]?.GetValue<int>();

    public bool Closed => Socket.State is WebSocketState.Closed or WebSocketState.Aborted or WebSocketState.CloseReceived;

    public static Uri Url(TestWorker worker, string? userId, string? token = null, string? apiKey = null)
    {
        var query = new List<string>();
        if (userId is not null) query.Add("userId=" + Uri.EscapeDataString(userId));
        if (token is not null) query.Add("token=" + Uri.EscapeDataString(token));
        if (apiKey is not null) query.Add("apiKey=" + Uri.EscapeDataString(apiKey));
        var http = new Uri(worker.App.Urls.First());
        return new Uri($"ws://{http.Authority}/ws" + (query.Count > 0 ? "?" + string.Join('&', query) : ""));
    }

    /// <summary>Connects and waits for the server's first event; <paramref name="read"/> false makes a client that never reads (after that first event).</summary>
    public static async Task<InboxSocket> ConnectAsync(TestWorker worker, string userId, string? token, bool read = true, int? receiveBufferBytes = null, string? apiKey = null)
    {
        var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        var invoker = receiveBufferBytes is { } bytes ? new HttpMessageInvoker(SmallBufferHandler(bytes)) : null;
        await socket.ConnectAsync(Url(worker, userId, token, apiKey), invoker, CancellationToken.None);
        var client = new InboxSocket(socket, userId, read, invoker);
        if (read)
        {
            await Eventually.Until(() => client.Events.Count > 0, $"the first event on {userId}'s new socket", TimeSpan.FromSeconds(10));
        }
        else
        {
            var first = await ReadOneAsync(socket, TimeSpan.FromSeconds(10));
            client.received.Enqueue(first);
        }
        return client;
    }

    /// <summary>Tries to connect and returns the HTTP status the server answered the handshake with.</summary>
    public static async Task<HttpStatusCode> RefusalAsync(Uri url)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        try
        {
            await socket.ConnectAsync(url, CancellationToken.None);
        }
        catch (WebSocketException)
        {
            return socket.HttpStatusCode;
        }
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
        throw new InvalidOperationException("The socket was accepted.");
    }

    public Task WaitForNotificationsAsync(int count, TimeSpan? timeout = null) =>
        Eventually.Until(() => Notifications.Count >= count, $"{count} notification(s) on a socket of {UserId}", timeout ?? TimeSpan.FromSeconds(15));

    public Task WaitForAsync(Func<JsonObject, bool> match, string what, TimeSpan? timeout = null) =>
        Eventually.Until(() => Events.Any(match), what, timeout ?? TimeSpan.FromSeconds(15));

    private async Task ReceiveAsync()
    {
        try
        {
            while (Socket.State == WebSocketState.Open)
            {
                var message = await ReadOneAsync(Socket, Timeout.InfiniteTimeSpan);
                received.Enqueue(message);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or ClosedException)
        {
            // Closed by the server or by the test.
        }
    }

    private static async Task<JsonObject> ReadOneAsync(ClientWebSocket socket, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var buffer = new byte[16 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, cts.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                if (socket.State == WebSocketState.CloseReceived)
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
                throw new ClosedException();
            }
            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage) break;
        }
        return JsonNode.Parse(Encoding.UTF8.GetString(message.ToArray()))!.AsObject();
    }

    /// <summary>A handler whose sockets have a tiny receive window, so a client that does not read makes the server's sends block soon.</summary>
    private static SocketsHttpHandler SmallBufferHandler(int bytes) => new()
    {
        ConnectCallback = async (context, ct) =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveBufferSize = bytes };
            await s.ConnectAsync(context.DnsEndPoint, ct);
            return new NetworkStream(s, ownsSocket: true);
        },
    };

    public async ValueTask DisposeAsync()
    {
        if (Socket.State == WebSocketState.Open)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            try
            {
                await Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", cts.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
                Socket.Abort();
            }
        }
        if (receiving is not null) await Task.WhenAny(receiving, Task.Delay(2000));
        Socket.Dispose();
        invoker?.Dispose();
    }

    private sealed class ClosedException : Exception;
}
