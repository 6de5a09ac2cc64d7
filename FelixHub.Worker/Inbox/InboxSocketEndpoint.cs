using System.Net.WebSockets;
using FelixHub.Core.Common;
using FelixHub.Core.Inbox;
using FelixHub.Worker.Api;
using Microsoft.Extensions.Options;

namespace FelixHub.Worker.Inbox;

/// <summary>
/// <c>GET /ws?userId=...</c>: checks the user is proven (<see cref="InboxSocketAccess"/>), accepts the
/// WebSocket with keep-alive pings (a client that does not answer within
/// <c>Inbox:KeepAliveTimeoutSeconds</c> is dropped), registers it, sends the user's unread count, and
/// keeps it until the client closes, breaks or is too slow, or the host stops (close 1001).
/// </summary>
internal sealed partial class InboxSocketEndpoint(
    InboxSocketHub hub,
    InboxListener listener,
    InboxTokens tokens,
    IOptionsMonitor<InboxOptions> options,
    IOptionsMonitor<ApiOptions> api,
    AccessPolicy access,
    IHostApplicationLifetime lifetime,
    ILogger<InboxSocketEndpoint> logger)
{
    public const string Path = "/ws";
    private static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(2);

    public async Task HandleAsync(HttpContext http)
    {
        if (!http.WebSockets.IsWebSocketRequest)
        {
            await RejectAsync(http, StatusCodes.Status400BadRequest, "This is a WebSocket endpoint: open it with new WebSocket('ws://host/ws?userId=...').");
            return;
        }
        var userId = http.Request.Query["userId"].ToString();
        if (!InboxUserId.IsValid(userId))
        {
            await RejectAsync(http, StatusCodes.Status400BadRequest, $"'userId' is required: 1-{InboxUserId.MaxLength} characters of A-Z a-z 0-9 . _ : @ -.", "userId");
            return;
        }
        using var userScope = Correlation.Push("userId", userId);
        if (InboxSocketAccess.Check(http, userId, api.CurrentValue, access, tokens) is { } refused)
        {
            await RejectAsync(http, refused.Status, refused.Reason);
            return;
        }
        var o = options.CurrentValue;
        if (hub.ConnectionCount(userId) >= o.MaxConnectionsPerUser)
        {
            await RejectAsync(http, StatusCodes.Status429TooManyRequests, $"User has {o.MaxConnectionsPerUser} open sockets already (Inbox:MaxConnectionsPerUser).");
            return;
        }

        using var socket = await http.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
        {
            KeepAliveInterval = TimeSpan.FromSeconds(o.KeepAliveIntervalSeconds),
            KeepAliveTimeout = TimeSpan.FromSeconds(o.KeepAliveTimeoutSeconds),
        });
        var connection = new InboxSocketConnection(hub.NextId(), userId, socket, o.SendQueueCapacity, TimeSpan.FromSeconds(o.SendTimeoutSeconds), logger);
        if (!hub.TryAdd(connection, o.MaxConnectionsPerUser, out var count))
        {
            await socket.CloseAsync(WebSocketCloseStatus.PolicyViolation, "too many sockets for this user", CancellationToken.None);
            return;
        }

        LogConnected(logger, connection.Id, userId, count);
        var sending = connection.SendLoopAsync();
        listener.RequestSync(userId, connection.TryEnqueue);
        string reason;
        using (lifetime.ApplicationStopping.Register(() => connection.Close(WebSocketCloseStatus.EndpointUnavailable, "server shutting down", CloseGrace)))
        {
            try
            {
                reason = await connection.ReceiveLoopAsync(http.RequestAborted);
            }
            finally
            {
                hub.Remove(connection);
                connection.Close(WebSocketCloseStatus.NormalClosure, "");
                if (await Task.WhenAny(sending, Task.Delay(CloseGrace)) != sending) connection.Abort("close timed out");
                await sending;
            }
        }
        // The server's own reason (too slow) wins over what the receive side saw of it.
        reason = connection.AbortReason ?? reason;
        LogDisconnected(logger, connection.Id, userId, reason);
    }

    private async Task RejectAsync(HttpContext http, int status, string reason, string? field = null)
    {
        LogRefused(logger, status, reason);
        var result = field is null
            ? Results.Problem(statusCode: status, title: "The socket was refused.", detail: reason)
            : Results.ValidationProblem(new Dictionary<string, string[]> { [field] = [reason] }, statusCode: status, title: "The request is invalid.");
        await result.ExecuteAsync(http);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "WebSocket {ConnectionId} of user {UserId} connected ({Count} open for this user)")]
    private static partial void LogConnected(ILogger logger, long connectionId, string userId, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "WebSocket {ConnectionId} of user {UserId} removed: {Reason}")]
    private static partial void LogDisconnected(ILogger logger, long connectionId, string userId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "WebSocket refused with {Status}: {Reason}")]
    private static partial void LogRefused(ILogger logger, int status, string reason);
}
