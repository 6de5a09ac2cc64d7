using System.Globalization;
using FelixHub.Core.Persistence;
using Hangfire.PostgreSql;
using Hangfire.Storage;
using Microsoft.Extensions.Options;
using Npgsql;

namespace FelixHub.Worker.Hosting;

/// <summary>
/// Hangfire.PostgreSql's job queue with one change: how idle workers learn of a new job. Its own long
/// polling (<c>EnableLongPolling</c>, 1.21.1) opens a LISTEN connection for every fetch and, once the
/// fetch is done, cancels that connection's wait and blocks the worker until the wait ends. Now and then
/// the cancelled wait ends only when the next <c>NOTIFY</c> reaches it: the worker stays blocked holding
/// a job it fetched but has not started (the fetch kept fresh by the sliding invisibility heartbeat), and
/// a drain pauses for minutes (docs/performance.md). HangfireLongPollingTests reproduces that, about once
/// in 10,000 fetches, and checks this queue under the production workload (hangfire-dashboard.md). Every
/// fetch there also pays for a LISTEN on a connection of its own. Here one listener per process
/// (<see cref="HangfireQueueListener"/>) wakes every waiting worker of the process, and enqueuing sends
/// the same <c>NOTIFY new_job</c> Hangfire.PostgreSql sends (so its clients wake these workers, and
/// these clients wake its workers).
/// The fetch itself, the fetched job (<see cref="PostgreSqlFetchedJob"/>: removal, requeue, sliding
/// invisibility) and the monitoring API are Hangfire.PostgreSql's own.
/// </summary>
internal sealed class HangfireJobQueueProvider(
    PostgreSqlStorage storage, PostgreSqlStorageOptions options, string connectionString, HangfireQueueSignal signal, bool notify)
    : IPersistentJobQueueProvider
{
    public const string Channel = "new_job";

    private readonly HangfireJobQueue queue = new(storage, options, connectionString, signal, notify);
    private readonly PostgreSqlJobQueueProvider original = new(storage, options);

    public IPersistentJobQueue GetJobQueue() => queue;

    public IPersistentJobQueueMonitoringApi GetJobQueueMonitoringApi() => original.GetJobQueueMonitoringApi();
}

internal sealed class HangfireJobQueue(
    PostgreSqlStorage storage, PostgreSqlStorageOptions options, string connectionString, HangfireQueueSignal signal, bool notify) : IPersistentJobQueue
{
    private readonly string schema = options.SchemaName;

    /// <summary>Hangfire.PostgreSql's fetch (oldest free or timed-out job first, <c>SKIP LOCKED</c>) as one statement.</summary>
    private string FetchSql => $"""
        UPDATE "{schema}"."jobqueue" SET "fetchedat" = NOW()
        WHERE "id" = (
          SELECT "id" FROM "{schema}"."jobqueue"
          WHERE "queue" = ANY (@queues)
            AND ("fetchedat" IS NULL OR "fetchedat" < NOW() - make_interval(secs => @invisibility))
          ORDER BY "fetchedat" NULLS FIRST, "queue", "jobid"
          FOR UPDATE SKIP LOCKED
          LIMIT 1)
        RETURNING "id", "jobid", "queue", "fetchedat"
        """;

    public IFetchedJob Dequeue(string[] queues, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(queues);
        if (queues.Length == 0) throw new ArgumentException("Queue array must be non-empty.", nameof(queues));
        var sql = FetchSql;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // Taken before the fetch: a job enqueued after the fetch found nothing still wakes this wait.
            var wake = signal.Current;
            if (TryFetch(sql, queues) is { } job) return job;
            WaitHandle.WaitAny([cancellationToken.WaitHandle, wake], options.QueuePollInterval);
        }
    }

    private PostgreSqlFetchedJob? TryFetch(string sql, string[] queues)
    {
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("queues", queues);
        command.Parameters.AddWithValue("invisibility", options.InvisibilityTimeout.TotalSeconds);
        using var reader = command.ExecuteReader();
        if (!reader.Read()) return null;
        return new PostgreSqlFetchedJob(storage, reader.GetInt64(0), reader.GetInt64(1).ToString(CultureInfo.InvariantCulture), reader.GetString(2), reader.GetDateTime(3));
    }

    public void Enqueue(System.Data.IDbConnection connection, string queue, string jobId)
    {
        using var command = connection.CreateCommand();
        command.CommandText = notify
            ? $"""INSERT INTO "{schema}"."jobqueue" ("jobid", "queue") VALUES (@jobId, @queue); NOTIFY {HangfireJobQueueProvider.Channel}"""
            : $"""INSERT INTO "{schema}"."jobqueue" ("jobid", "queue") VALUES (@jobId, @queue)""";
        var id = command.CreateParameter();
        id.ParameterName = "jobId";
        id.Value = long.Parse(jobId, CultureInfo.InvariantCulture);
        command.Parameters.Add(id);
        var name = command.CreateParameter();
        name.ParameterName = "queue";
        name.Value = queue;
        command.Parameters.Add(name);
        command.ExecuteNonQuery();
    }
}

/// <summary>Wakes every worker of this process that waits for a job (a fresh handle per wake-up, so none is missed).</summary>
internal sealed class HangfireQueueSignal
{
    private ManualResetEvent current = new(false);

    public WaitHandle Current => Volatile.Read(ref current);

    public void Pulse()
    {
        // The old handle is left to the finalizer: a worker may still be waiting on it.
        Interlocked.Exchange(ref current, new ManualResetEvent(false)).Set();
    }
}

/// <summary>
/// This process's one LISTEN on <see cref="HangfireJobQueueProvider.Channel"/>: every NOTIFY (and every
/// reconnect, which may have missed some) wakes the waiting workers at once instead of at their next poll.
/// </summary>
internal sealed partial class HangfireQueueListener(
    IConfiguration configuration,
    HangfireQueueSignal signal,
    IOptions<HangfireOptions> options,
    TimeProvider time,
    ILogger<HangfireQueueListener> logger) : BackgroundService, IChannelListenerEvents
{
    public const string ApplicationName = "felixhub-hangfire-listener";

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.EnableLongPolling) return Task.CompletedTask;
        var connectionString = PersistenceServiceCollectionExtensions.DedicatedConnectionString(configuration, ApplicationName);
        // The workers still poll every QueuePollInterval: a dropped listener slows them, never stops them.
        var keepAlive = TimeSpan.FromSeconds(Math.Max(30, options.Value.QueuePollIntervalSeconds));
        return PostgresChannelListener.ListenAsync(connectionString, HangfireJobQueueProvider.Channel, this,
            () => keepAlive, () => TimeSpan.FromSeconds(30), time, stoppingToken);
    }

    public void OnNotification(string payload) => signal.Pulse();

    public void OnListening(bool reconnected, int failuresBefore)
    {
        if (reconnected)
        {
            LogReconnected(logger, failuresBefore);
            signal.Pulse();
        }
    }

    public void OnLost(int failures, TimeSpan retryIn, Exception error) =>
        LogLost(logger, failures, retryIn.TotalSeconds, error.GetBaseException().Message);

    [LoggerMessage(Level = LogLevel.Information, Message = "Hangfire queue listener: listening again after {Failures} failed attempt(s)")]
    private static partial void LogReconnected(ILogger logger, int failures);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Hangfire queue listener: connection lost or refused (attempt {Failures}), retrying in {DelaySeconds} s (workers fall back to polling): {Reason}")]
    private static partial void LogLost(ILogger logger, int failures, double delaySeconds, string reason);
}
