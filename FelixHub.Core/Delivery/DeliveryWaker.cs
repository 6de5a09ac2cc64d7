using System.Globalization;
using FelixHub.Core.Persistence;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace FelixHub.Core.Delivery;

/// <summary>
/// Sends the dispatch path's messages at their due time, on every replica that runs a Hangfire server.
/// It knows the ledger's next due time (one indexed query: the least <c>next_attempt_at</c>, which is a
/// reminder's time, a retry's backoff or a claim's lease end), sleeps until then on the host's
/// <see cref="TimeProvider"/> and makes a dispatch pass through the process's <see cref="DeliveryDispatchGate"/>
/// (so it never overlaps a dispatch run of the same process; replicas share the rows through
/// <c>FOR UPDATE SKIP LOCKED</c>). After each pass it reads the next due time again.
/// <para>
/// A writer of a message due later tells the wakers: in-process when its transaction commits
/// (<see cref="Hint"/>), and every replica through <c>NOTIFY</c> <see cref="Channel"/> sent in the writing
/// transaction (<see cref="NotifyAsync"/>), heard on one dedicated LISTEN connection per replica. Whatever it
/// may have missed — a NOTIFY while that connection was down, a row written by hand — it finds when it
/// reads the next due time again: after every (re)connect of the LISTEN, and at least every
/// <c>Delivery:WakerMaxSleepSeconds</c>. A pass that finds nothing to claim although something is due (another
/// replica holds it, no bot token) backs off, 0.1 s doubling up to that same bound. When the database is
/// away it tries again after 0.5 s doubling up to 10 s, or as soon as its LISTEN is back.
/// </para>
/// </summary>
public sealed partial class DeliveryWaker(
    IServiceScopeFactory scopes,
    DeliveryDispatchGate gate,
    NpgsqlDataSource dataSource,
    IConfiguration configuration,
    IOptionsMonitor<DeliveryOptions> options,
    TimeProvider time,
    ILogger<DeliveryWaker> logger) : BackgroundService, IChannelListenerEvents
{
    /// <summary>The channel every replica's waker LISTENs on; the payload is a due time (ISO 8601, UTC).</summary>
    public const string Channel = "felixhub_delivery_due";

    /// <summary>The LISTEN connection's <c>application_name</c>.</summary>
    public const string ApplicationName = "felixhub-delivery-listener";

    private const string NextDueSql = "SELECT min(next_attempt_at) FROM delivery_messages WHERE next_attempt_at IS NOT NULL";

    private readonly Lock sync = new();
    private DateTimeOffset? hinted;
    private bool reread;
    private TaskCompletionSource wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool listening;
    private volatile bool running;
    private long nextDueTicks = long.MinValue;

    /// <summary>True while the LISTEN connection is up.</summary>
    public bool IsListening => listening;

    /// <summary>True while the waker runs on this replica (a Hangfire server, <c>Delivery:WakerEnabled</c>).</summary>
    public bool IsRunning => running;

    /// <summary>The next due time the waker is waiting for (null: nothing scheduled, or not running).</summary>
    public DateTimeOffset? NextDue
    {
        get
        {
            var ticks = Interlocked.Read(ref nextDueTicks);
            return ticks == long.MinValue ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
        }
    }

    /// <summary>A message becomes due at <paramref name="dueAt"/>: wake then, if that is earlier than what the waker waits for.</summary>
    public void Hint(DateTimeOffset dueAt)
    {
        lock (sync)
        {
            if (hinted is { } earlier && earlier <= dueAt) return;
            hinted = dueAt;
            wake.TrySetResult();
        }
    }

    /// <summary>
    /// <c>NOTIFY</c>s every replica's waker of a message due at <paramref name="dueAt"/>, on the writer's
    /// connection: inside its transaction, so it is delivered when (and only if) that commits.
    /// </summary>
    public static async Task NotifyAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, DateTimeOffset dueAt, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var command = new NpgsqlCommand("SELECT pg_notify($1, $2)", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = Channel });
        command.Parameters.Add(new NpgsqlParameter { Value = Payload(dueAt) });
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The NOTIFY payload for a due time (UTC, round-trip format; the ledger keeps microseconds, so the row is never later than this).</summary>
    public static string Payload(DateTimeOffset dueAt) => dueAt.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);

    public static DateTimeOffset? ParsePayload(string payload) =>
        DateTimeOffset.TryParse(payload, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var at) ? at : null;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.CurrentValue.WakerEnabled)
        {
            LogDisabled(logger);
            return;
        }
        running = true;
        var connectionString = PersistenceServiceCollectionExtensions.DedicatedConnectionString(configuration, ApplicationName);
        var listen = Task.Run(() => PostgresChannelListener.ListenAsync(connectionString, Channel, this,
            MaxSleep, MaxRetryDelay, time, stoppingToken), CancellationToken.None);
        try
        {
            await WakeLoopAsync(stoppingToken);
        }
        finally
        {
            await listen;
            listening = false;
            running = false;
            Interlocked.Exchange(ref nextDueTicks, long.MinValue);
        }
    }

    private TimeSpan MaxSleep() => TimeSpan.FromSeconds(options.CurrentValue.WakerMaxSleepSeconds);

    /// <summary>The longest wait before trying the database again (the LISTEN's reconnect, a failed pass): a few seconds after it is back.</summary>
    private TimeSpan MaxRetryDelay() => TimeSpan.FromSeconds(Math.Min(options.CurrentValue.WakerMaxSleepSeconds, 10));

    private async Task WakeLoopAsync(CancellationToken ct)
    {
        DateTimeOffset? next = null;
        var read = true;
        var emptyPasses = 0;
        var failures = 0;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                Task signal;
                DateTimeOffset? hint;
                lock (sync)
                {
                    if (wake.Task.IsCompleted) wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    signal = wake.Task;
                    read |= reread;
                    reread = false;
                    hint = hinted;
                    hinted = null;
                }
                // The ledger's answer replaces what the waker knew; a hint is kept when earlier (its row may not have
                // been visible to the read yet). A stale one (the row sent or cancelled since) costs one empty pass.
                if (read)
                {
                    next = await ReadNextDueAsync(ct);
                    read = false;
                }
                if (hint is { } h && (next is null || h < next)) next = h;
                Interlocked.Exchange(ref nextDueTicks, next?.UtcTicks ?? long.MinValue);
                failures = 0;

                var now = time.GetUtcNow();
                if (next is { } due && due <= now)
                {
                    // Something is due and the last pass claimed nothing: another replica is on it (its claim not
                    // committed yet), or nothing can be sent (no bot token). Do not spin.
                    if (emptyPasses > 0) await Task.Delay(Backoff(emptyPasses), time, ct);
                    var summary = await PassAsync(ct);
                    emptyPasses = summary is { Claimed: > 0 } ? 0 : emptyPasses + 1;
                    next = null;
                    read = true;
                    continue;
                }
                emptyPasses = 0;

                var maxSleep = MaxSleep();
                var sleep = next is { } at && at - now < maxSleep ? at - now : maxSleep;
                if (await SleepAsync(sleep, signal, ct) && sleep == maxSleep) read = true;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                failures++;
                read = true;
                var delay = TimeSpan.FromSeconds(Math.Min(MaxRetryDelay().TotalSeconds, 0.5 * Math.Pow(2, Math.Min(failures - 1, 16))));
                LogFailed(logger, failures, delay.TotalSeconds, ex.GetBaseException().Message);
                Task signal;
                lock (sync)
                {
                    if (wake.Task.IsCompleted) wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    signal = wake.Task;
                }
                try
                {
                    // The LISTEN coming back (the database is) ends the wait early.
                    await SleepAsync(delay, signal, ct);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }

    private TimeSpan Backoff(int emptyPasses) =>
        TimeSpan.FromSeconds(Math.Min(MaxSleep().TotalSeconds, 0.1 * Math.Pow(2, Math.Min(emptyPasses - 1, 16))));

    /// <summary>Sleeps for <paramref name="duration"/> on the host's clock or until a hint; true when the time ran out.</summary>
    private async Task<bool> SleepAsync(TimeSpan duration, Task signal, CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var delay = Task.Delay(duration, time, stop.Token);
        if (await Task.WhenAny(delay, signal) == signal)
        {
            await stop.CancelAsync();
            ct.ThrowIfCancellationRequested();
            return false;
        }
        await delay;
        return true;
    }

    private async Task<DateTimeOffset?> ReadNextDueAsync(CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(NextDueSql);
        var value = await command.ExecuteScalarAsync(ct);
        return value is DateTime utc ? new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc)) : value as DateTimeOffset?;
    }

    private async Task<DispatchSummary?> PassAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var dispatcher = scope.ServiceProvider.GetRequiredService<DeliveryDispatcher>();
        var summary = await gate.RunAsync(() => dispatcher.RunAsync(ct), options.CurrentValue.MaxPerRun);
        if (summary is null) LogGateBusy(logger);
        else if (summary.Claimed > 0)
            LogPass(logger, summary.Claimed, summary.Sent, summary.Failed, summary.Retrying, summary.Skipped, summary.Deferred);
        return summary;
    }

    void IChannelListenerEvents.OnNotification(string payload)
    {
        if (ParsePayload(payload) is { } dueAt) Hint(dueAt);
        else LogBadPayload(logger, payload.Length);
    }

    void IChannelListenerEvents.OnListening(bool reconnected, int failuresBefore)
    {
        listening = true;
        // NOTIFYs sent while nobody listened are lost: read the next due time again.
        lock (sync)
        {
            reread = true;
            wake.TrySetResult();
        }
        if (reconnected) LogReconnected(logger, failuresBefore);
        else LogListening(logger, Channel);
    }

    void IChannelListenerEvents.OnLost(int failures, TimeSpan retryIn, Exception error)
    {
        listening = false;
        LogConnectionLost(logger, failures, retryIn.TotalSeconds, error.GetBaseException().Message);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Due-time waker: off (Delivery:WakerEnabled); scheduled messages go out with the dispatch cron's runs")]
    private static partial void LogDisabled(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Due-time waker: listening on channel {Channel}")]
    private static partial void LogListening(ILogger logger, string channel);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Due-time waker: listening again after {Failures} failed attempt(s); reading the next due time again")]
    private static partial void LogReconnected(ILogger logger, int failures);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Due-time waker: LISTEN connection lost or refused (attempt {Failures}), retrying in {DelaySeconds} s: {Reason}")]
    private static partial void LogConnectionLost(ILogger logger, int failures, double delaySeconds, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Due-time waker: a pass or the next due time failed (attempt {Failures}), trying again in {DelaySeconds} s: {Reason}")]
    private static partial void LogFailed(ILogger logger, int failures, double delaySeconds, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Due-time waker: ignored a payload of {Length} characters that is not a due time")]
    private static partial void LogBadPayload(ILogger logger, int length);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Due-time waker: a dispatch run is going in this process; it makes the pass")]
    private static partial void LogGateBusy(ILogger logger);

    [LoggerMessage(Level = LogLevel.Debug,
        Message = "Due-time waker: {Claimed} claimed, {Sent} sent, {Failed} failed, {Retrying} to retry, {Skipped} not sent, {Deferred} handed back")]
    private static partial void LogPass(ILogger logger, int claimed, int sent, int failed, int retrying, int skipped, int deferred);
}
