using FelixHub.Core.Bot;
using FelixHub.Core.Delivery;
using FelixHub.Core.Persistence;
using FelixHub.Core.Telegram;
using Microsoft.Extensions.Options;
using Npgsql;

namespace FelixHub.Worker.Hosting;

/// <summary>
/// The most connections one replica opens to PostgreSQL, from its settings: Hangfire's pool, the
/// application's pool and the dedicated, unpooled connections (LISTENs, the bot poller's lock).
/// Each pool opens connections only as its work needs them and keeps them (idle) for up to 5 minutes,
/// so after a burst a replica holds close to all of them. docs/database-connections.md explains each
/// and how to size for N replicas.
/// </summary>
public sealed record ConnectionBudget(int HangfirePool, int AppPool, int Dedicated, int WorkerCount, int LimiterPool = 2)
{
    /// <summary>
    /// Hangfire's pool beside one connection per worker (a worker holds one while it fetches a job or
    /// records a state, not while its job runs): one for the delayed-job and recurring-job schedulers
    /// (each holds one for the milliseconds it takes to move due jobs, every SchedulePollingInterval), one
    /// shared by the server's housekeeping (heartbeat every 30 s, job-cancellation watcher every 5 s,
    /// watchdog, expiration manager, counters aggregator, sliding-invisibility heartbeat: milliseconds
    /// each) and Hangfire's clients (enqueues from API requests and jobs, dashboard pages, /health).
    /// Without a server (Hangfire:ServerEnabled off) the clients get both.
    /// </summary>
    public const int HangfireServerConnections = 2;

    public int PerReplica => HangfirePool + AppPool + LimiterPool + Dedicated;

    /// <summary>Hangfire's pool: <see cref="HangfireOptions.MaxPoolSize"/>, or when 0 WorkerCount + <see cref="HangfireServerConnections"/> (12 with 10 workers).</summary>
    public static int HangfirePoolFor(HangfireOptions hangfire)
    {
        ArgumentNullException.ThrowIfNull(hangfire);
        if (hangfire.MaxPoolSize > 0) return hangfire.MaxPoolSize;
        return (hangfire.ServerEnabled ? hangfire.WorkerCount : 0) + HangfireServerConnections;
    }

    /// <summary>
    /// The dedicated connections of a replica: the inbox backplane's LISTEN (always), Hangfire's queue
    /// listener (a server with LISTEN/NOTIFY wake-ups), the delivery due-time waker's LISTEN (a server with
    /// Delivery:WakerEnabled), the bot poller's leader lock (long polling with a token; a standby replica
    /// opens it for a moment every Telegram:LeaderRetrySeconds). The start-up lock's connection lives only
    /// while the replica starts, before its pools fill.
    /// </summary>
    public static int DedicatedFor(HangfireOptions hangfire, BotOptions bot, TelegramOptions telegram, DeliveryOptions delivery) =>
        1
        + (hangfire.ServerEnabled && hangfire.EnableLongPolling ? 1 : 0)
        + (hangfire.ServerEnabled && delivery.WakerEnabled ? 1 : 0)
        + (bot.ReceiveUpdates && telegram.IsConfigured && !bot.IsWebhookMode ? 1 : 0);

    /// <summary>The budget of a replica with these settings; a pool size in the connection string sets both pools, as it does for the pools themselves.</summary>
    public static ConnectionBudget For(string connectionString, DatabaseOptions database, HangfireOptions hangfire, BotOptions bot, TelegramOptions telegram,
        DeliveryOptions delivery)
    {
        var fromConnectionString = DatabaseOptions.PoolSizeIn(connectionString);
        return new ConnectionBudget(
            fromConnectionString ?? HangfirePoolFor(hangfire),
            fromConnectionString ?? database.MaxPoolSize,
            DedicatedFor(hangfire, bot, telegram, delivery),
            hangfire.ServerEnabled ? hangfire.WorkerCount : 0,
            database.LimiterPoolSize);
    }

    /// <summary>What <paramref name="replicas"/> replicas with this budget need of <c>max_connections</c>, with the reserved ones.</summary>
    public int Needed(int replicas, int reserved) => replicas * PerReplica + reserved;

    /// <summary>How many replicas with this budget fit in <paramref name="maxConnections"/>.</summary>
    public int ReplicasThatFit(int maxConnections, int reserved) => Math.Max(0, (maxConnections - reserved) / PerReplica);

    /// <summary>
    /// A notification job holds an application connection while it sends: with no more app connections
    /// than workers, busy workers leave none for API requests, health checks and the waker's pass.
    /// </summary>
    public bool AppPoolTooSmallForWorkers => WorkerCount > 0 && AppPool <= WorkerCount;

    /// <summary>Compares this budget with what the server allows, counting the replicas already connected.</summary>
    public BudgetVerdict Evaluate(DatabaseCapacity capacity)
    {
        ArgumentNullException.ThrowIfNull(capacity);
        var replicas = capacity.OtherReplicas + 1;
        var needed = Needed(replicas, capacity.ReservedConnections);
        return new BudgetVerdict(replicas, needed, needed <= capacity.MaxConnections, ReplicasThatFit(capacity.MaxConnections, capacity.ReservedConnections));
    }
}

/// <summary>What the server allows and who uses it: <c>max_connections</c>, the connections reserved for superusers (and <c>reserved_connections</c>), the other live replicas, the client connections open now.</summary>
public sealed record DatabaseCapacity(int MaxConnections, int ReservedConnections, int OtherReplicas, int ClientConnections);

public sealed record BudgetVerdict(int Replicas, int Needed, bool Fits, int ReplicasThatFit);

/// <summary>
/// At start, compares this replica's <see cref="ConnectionBudget"/> (and that of every replica already
/// connected) with <c>max_connections</c> and warns when they would not fit. The live replicas are the
/// distinct Hangfire pools in <c>pg_stat_activity</c> (named <c>felixhub-hangfire &lt;replica id&gt;</c>,
/// used every few seconds by a running Hangfire server and by every /health probe); a replica starting at
/// the very same moment may not be connected yet, and the one that starts after it counts it.
/// </summary>
internal sealed partial class ConnectionBudgetCheck(
    ConnectionBudget budget,
    NpgsqlDataSource dataSource,
    HostInstanceId host,
    ILogger<ConnectionBudgetCheck> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        DatabaseCapacity capacity;
        try
        {
            capacity = await ReadCapacityAsync(stoppingToken);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException or InvalidCastException)
        {
            LogCheckFailed(logger, ex.GetBaseException().Message);
            return;
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return;
        }
        Report(logger, budget, capacity);
    }

    private async Task<DatabaseCapacity> ReadCapacityAsync(CancellationToken ct)
    {
        // current_setting(name) is SHOW name; reserved_connections (PostgreSQL 16+) is absent before.
        await using var command = dataSource.CreateCommand($"""
            SELECT current_setting('max_connections')::int,
                   current_setting('superuser_reserved_connections')::int
                     + COALESCE(NULLIF(current_setting('reserved_connections', true), '')::int, 0),
                   (SELECT count(DISTINCT application_name)::int FROM pg_stat_activity
                     WHERE datname = current_database() AND application_name LIKE '{HangfireSetup.PoolApplicationNamePrefix}%' AND application_name <> $1),
                   (SELECT count(*)::int FROM pg_stat_activity WHERE backend_type = 'client backend')
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = HangfireSetup.PoolApplicationNamePrefix + host.Id });
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return new DatabaseCapacity(reader.GetInt32(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetInt32(3));
    }

    /// <summary>Logs the budget against the server's limit: a warning when it does not fit or the app pool is too small for the workers.</summary>
    internal static void Report(ILogger logger, ConnectionBudget budget, DatabaseCapacity capacity)
    {
        var verdict = budget.Evaluate(capacity);
        if (verdict.Fits)
            LogFits(logger, budget.PerReplica, budget.HangfirePool, budget.AppPool, budget.LimiterPool, budget.Dedicated, verdict.Replicas, capacity.ReservedConnections,
                verdict.Needed, capacity.MaxConnections, capacity.ClientConnections);
        else
            LogDoesNotFit(logger, verdict.Replicas, budget.PerReplica, capacity.ReservedConnections, verdict.Needed, capacity.MaxConnections,
                budget.HangfirePool, budget.AppPool, budget.LimiterPool, budget.Dedicated, verdict.ReplicasThatFit);
        if (budget.AppPoolTooSmallForWorkers) LogAppPoolTooSmall(logger, budget.AppPool, budget.WorkerCount);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Connection budget: {PerReplica} per replica (Hangfire pool {HangfirePool} + app pool {AppPool} + rate limiter pool {LimiterPool} + dedicated {Dedicated}); {Replicas} replica(s) × {PerReplica} + {Reserved} reserved = {Needed} of max_connections {MaxConnections} ({ClientConnections} client connections open now)")]
    private static partial void LogFits(ILogger logger, int perReplica, int hangfirePool, int appPool, int limiterPool, int dedicated, int replicas, int reserved,
        int needed, int maxConnections, int clientConnections);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Connection budget exceeded: {Replicas} replica(s) × {PerReplica} + {Reserved} reserved = {Needed} > max_connections {MaxConnections} (per replica: Hangfire pool {HangfirePool} + app pool {AppPool} + rate limiter pool {LimiterPool} + dedicated {Dedicated}); under load PostgreSQL will refuse connections (53300). {ReplicasThatFit} replica(s) fit: lower Hangfire:WorkerCount, Hangfire:MaxPoolSize or Database:MaxPoolSize, raise max_connections, or put PgBouncer in front (docs/database-connections.md)")]
    private static partial void LogDoesNotFit(ILogger logger, int replicas, int perReplica, int reserved, int needed, int maxConnections,
        int hangfirePool, int appPool, int limiterPool, int dedicated, int replicasThatFit);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Database:MaxPoolSize {AppPool} is not above Hangfire:WorkerCount {WorkerCount}: a notification job holds an app connection while it sends, so busy workers leave none for API requests, health checks and the due-time waker")]
    private static partial void LogAppPoolTooSmall(ILogger logger, int appPool, int workerCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not compare the connection budget with the server's max_connections: {Reason}")]
    private static partial void LogCheckFailed(ILogger logger, string reason);
}

public static class ConnectionBudgetExtensions
{
    /// <summary>This replica's <see cref="ConnectionBudget"/> (the pools take their sizes from it) and its check at start.</summary>
    public static IServiceCollection AddConnectionBudget(this IServiceCollection services)
    {
        services.AddSingleton(sp => ConnectionBudget.For(
            sp.GetRequiredService<IConfiguration>().GetConnectionString(PersistenceServiceCollectionExtensions.ConnectionStringName)!,
            sp.GetRequiredService<IOptions<DatabaseOptions>>().Value,
            sp.GetRequiredService<IOptions<HangfireOptions>>().Value,
            sp.GetRequiredService<IOptions<BotOptions>>().Value,
            sp.GetRequiredService<IOptions<TelegramOptions>>().Value,
            sp.GetRequiredService<IOptions<DeliveryOptions>>().Value));
        services.AddHostedService<ConnectionBudgetCheck>();
        return services;
    }
}
