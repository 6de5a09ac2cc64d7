using System.Threading.Channels;
using FelixHub.Core.Persistence;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FelixHub.Core.Inbox;

/// <summary>
/// This host's end of the backplane: one dedicated connection (not from the pool) that LISTENs on
/// <see cref="InboxBackplane.Channel"/>, checks itself with a query after
/// <c>Inbox:ListenKeepAliveSeconds</c> of silence, and reconnects with backoff (0.5 s doubling up to
/// <c>Inbox:ListenReconnectMaxDelaySeconds</c>) when it drops. NOTIFYs sent while it was away are
/// lost for the sockets (never for the inbox API), so after a reconnect every connected user gets
/// their current unread count. Messages are handled one at a time, in order, by
/// <see cref="InboxLocalDelivery"/>.
/// </summary>
public sealed partial class InboxListener(
    IConfiguration configuration,
    InboxLocalDelivery delivery,
    IOptionsMonitor<InboxOptions> options,
    TimeProvider time,
    ILogger<InboxListener> logger) : BackgroundService, IChannelListenerEvents
{
    public const string ApplicationName = "felixhub-inbox-listener";
    private const int QueueCapacity = 10_000;
    private const int SocketsPerSync = 1_000;

    private readonly Channel<WorkItem> queue = Channel.CreateBounded<WorkItem>(new BoundedChannelOptions(QueueCapacity)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    private volatile bool listening;

    /// <summary>True while the LISTEN connection is up (the health check reports it).</summary>
    public bool IsListening => listening;

    /// <summary>Sends a new socket (<paramref name="send"/> queues to it) its user's unread count, in order with the other events.</summary>
    public void RequestSync(string userId, Func<ReadOnlyMemory<byte>, bool> send) => Enqueue(new WorkItem(null, [userId], send));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var processing = Task.Run(() => ProcessAsync(stoppingToken), CancellationToken.None);
        try
        {
            await ListenAsync(stoppingToken);
        }
        finally
        {
            listening = false;
        }
        queue.Writer.TryComplete();
        await processing;
    }

    private Task ListenAsync(CancellationToken ct)
    {
        var connectionString = PersistenceServiceCollectionExtensions.DedicatedConnectionString(configuration, ApplicationName);
        return PostgresChannelListener.ListenAsync(connectionString, InboxBackplane.Channel, this,
            () => TimeSpan.FromSeconds(options.CurrentValue.ListenKeepAliveSeconds),
            () => TimeSpan.FromSeconds(options.CurrentValue.ListenReconnectMaxDelaySeconds), time, ct);
    }

    void IChannelListenerEvents.OnNotification(string payload) => OnNotification(payload);

    void IChannelListenerEvents.OnListening(bool reconnected, int failuresBefore)
    {
        listening = true;
        if (reconnected)
        {
            LogReconnected(logger, failuresBefore);
            Enqueue(new WorkItem(null, null, null));
        }
        else
        {
            LogListening(logger, InboxBackplane.Channel);
        }
    }

    void IChannelListenerEvents.OnLost(int failures, TimeSpan retryIn, Exception error)
    {
        listening = false;
        LogConnectionLost(logger, failures, retryIn.TotalSeconds, error.GetBaseException().Message);
    }

    private void OnNotification(string payload)
    {
        if (InboxBackplane.Parse(payload) is { } message) Enqueue(new WorkItem(message, null, null));
        else LogBadPayload(logger, payload.Length);
    }

    private void Enqueue(WorkItem item)
    {
        if (!queue.Writer.TryWrite(item)) LogQueueFull(logger, QueueCapacity);
    }

    private async Task ProcessAsync(CancellationToken ct)
    {
        try
        {
            await foreach (var item in queue.Reader.ReadAllAsync(ct))
            {
                try
                {
                    if (item.Message is { } message) await delivery.DeliverAsync(WithItsOtherParts(message), ct);
                    else if (item.Send is not null) await delivery.SyncSocketsAsync(NewSockets(item), ct);
                    else await delivery.SyncAsync(item.SyncUsers, ct);
                }
                catch (Exception ex) when (!ct.IsCancellationRequested)
                {
                    LogDeliveryFailed(logger, ex, item.Message?.Kind ?? "sync");
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    /// <summary>
    /// <paramref name="first"/> merged with the NOTIFYs queued right behind it that are the other parts of
    /// the same event (one notification to thousands of users is split over several NOTIFYs, each below
    /// PostgreSQL's payload limit): one delivery, so one set of queries, for all of its users here instead
    /// of one per part. Only consecutive parts are taken (at most <see cref="UsersPerDelivery"/> users), so
    /// every event stays in order.
    /// </summary>
    private BackplaneMessage WithItsOtherParts(BackplaneMessage first)
    {
        List<string>? users = null;
        while ((users?.Count ?? first.UserIds.Length) < UsersPerDelivery
               && queue.Reader.TryPeek(out var next) && next.Message is { } part && part.Kind == first.Kind
               && part.NotificationIds.AsSpan().SequenceEqual(first.NotificationIds) && queue.Reader.TryRead(out _))
        {
            users ??= [.. first.UserIds];
            users.AddRange(part.UserIds);
        }
        return users is null ? first : first with { UserIds = [.. users] };
    }

    /// <summary>At most this many users in one merged delivery.</summary>
    private const int UsersPerDelivery = 20_000;

    /// <summary>
    /// The new sockets waiting in a row from <paramref name="first"/> on (at most <see cref="SocketsPerSync"/>):
    /// their unread counts take one query instead of one each, so a crowd reconnecting at once (after a
    /// restart) does not hold the events behind it for a query per socket. Only consecutive requests are
    /// taken, so every event stays in order.
    /// </summary>
    private List<(string UserId, Func<ReadOnlyMemory<byte>, bool> Send)> NewSockets(WorkItem first)
    {
        var sockets = new List<(string, Func<ReadOnlyMemory<byte>, bool>)> { (first.SyncUsers![0], first.Send!) };
        while (sockets.Count < SocketsPerSync && queue.Reader.TryPeek(out var next) && next.Send is not null && queue.Reader.TryRead(out next))
            sockets.Add((next.SyncUsers![0], next.Send!));
        return sockets;
    }

    /// <summary>
    /// A backplane message, or (when null) a sync of the unread counts of <see cref="SyncUsers"/> (all
    /// connected users when null) to all their sockets, or only to the one socket <see cref="Send"/> queues to.
    /// </summary>
    private sealed record WorkItem(BackplaneMessage? Message, string[]? SyncUsers, Func<ReadOnlyMemory<byte>, bool>? Send);

    [LoggerMessage(Level = LogLevel.Information, Message = "Inbox backplane: listening on channel {Channel}")]
    private static partial void LogListening(ILogger logger, string channel);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Inbox backplane: listening again after {Failures} failed attempt(s); resending unread counts to connected users")]
    private static partial void LogReconnected(ILogger logger, int failures);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Inbox backplane: connection lost or refused (attempt {Failures}), retrying in {DelaySeconds} s: {Reason}")]
    private static partial void LogConnectionLost(ILogger logger, int failures, double delaySeconds, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Inbox backplane: ignored a payload of {Length} characters that is not ours")]
    private static partial void LogBadPayload(ILogger logger, int length);

    [LoggerMessage(Level = LogLevel.Error, Message = "Inbox backplane: {Capacity} messages waiting; dropped one (clients resync through GET /api/inbox)")]
    private static partial void LogQueueFull(ILogger logger, int capacity);

    [LoggerMessage(Level = LogLevel.Error, Message = "Inbox backplane: delivering a {Kind} message to local sockets failed")]
    private static partial void LogDeliveryFailed(ILogger logger, Exception ex, string kind);
}
