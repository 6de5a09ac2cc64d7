using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace FelixHub.Core.Persistence;

/// <summary>
/// Schema work another component does at start-up inside the start-up lock, after the migrations
/// (Hangfire's tables). Runs on the connection that holds the lock.
/// </summary>
public interface IStartupSchemaStep
{
    /// <summary>What the step prepares, for the log.</summary>
    string Name { get; }

    Task RunAsync(NpgsqlConnection lockedConnection, CancellationToken cancellationToken);
}

/// <summary>
/// Start-up schema changes, one replica at a time. Before it migrates, a replica takes the session-level
/// advisory lock <see cref="LockKey"/> on a dedicated, unpooled connection (<see cref="ApplicationName"/>
/// in <c>pg_stat_activity</c>); replicas that start at the same moment wait for it (as long as it takes)
/// and then find nothing left to do. Inside the lock: the EF Core migrations (when
/// <see cref="DatabaseOptions.MigrateOnStartup"/> is on), then every <see cref="IStartupSchemaStep"/>.
/// The lock goes with the session: a replica that dies while migrating releases it.
/// </summary>
public static partial class DatabaseStartup
{
    /// <summary>The start-up lock's key: 0x46656C6978487562, "FelixHub" in ASCII.</summary>
    public const long LockKey = 0x46656C6978487562;

    public const string ApplicationName = "felixhub-startup";

    /// <summary>Applies pending migrations (when <see cref="DatabaseOptions.MigrateOnStartup"/> is on) and the other schema steps, under the start-up lock.</summary>
    public static async Task MigrateDatabaseAsync(this IHost host, CancellationToken cancellationToken = default)
    {
        var services = host.Services;
        var options = services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
        var steps = services.GetServices<IStartupSchemaStep>().ToList();
        if (!options.MigrateOnStartup && steps.Count == 0) return;

        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DatabaseStartup).FullName!);
        await using var scope = services.CreateAsyncScope();
        var db = options.MigrateOnStartup ? scope.ServiceProvider.GetRequiredService<FelixHubDbContext>() : null;
        // The model and the list of migrations are built before the lock (seconds of CPU on a cold
        // process), so the replicas waiting for it are not kept waiting for that too.
        _ = db?.Database.GetMigrations().Count();

        var connectionString = PersistenceServiceCollectionExtensions.DedicatedConnectionString(services.GetRequiredService<IConfiguration>(), ApplicationName);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await AcquireAsync(connection, logger, cancellationToken);
        try
        {
            if (db is not null) await MigrateAsync(db, logger, cancellationToken);
            foreach (var step in steps)
            {
                await step.RunAsync(connection, cancellationToken);
                LogStepDone(logger, step.Name);
            }
        }
        finally
        {
            await ReleaseAsync(connection, logger);
        }
    }

    private static async Task AcquireAsync(NpgsqlConnection connection, ILogger logger, CancellationToken cancellationToken)
    {
        await using (var tryLock = new NpgsqlCommand("SELECT pg_try_advisory_lock($1)", connection))
        {
            tryLock.Parameters.Add(new NpgsqlParameter { Value = LockKey });
            if (await tryLock.ExecuteScalarAsync(cancellationToken) is true) return;
        }

        LogWaiting(logger, LockKey);
        var waited = Stopwatch.StartNew();
        // No command timeout: another replica's migrations take as long as they take.
        await using (var waitLock = new NpgsqlCommand("SELECT pg_advisory_lock($1)", connection) { CommandTimeout = 0 })
        {
            waitLock.Parameters.Add(new NpgsqlParameter { Value = LockKey });
            await waitLock.ExecuteNonQueryAsync(cancellationToken);
        }
        LogAcquired(logger, waited.Elapsed.TotalSeconds);
    }

    private static async Task MigrateAsync(FelixHubDbContext db, ILogger logger, CancellationToken cancellationToken)
    {
        var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
        if (pending.Count == 0)
        {
            LogUpToDate(logger);
            return;
        }
        LogMigrating(logger, pending.Count, string.Join(", ", pending));
        await db.Database.MigrateAsync(cancellationToken);
    }

    private static async Task ReleaseAsync(NpgsqlConnection connection, ILogger logger)
    {
        try
        {
            await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock($1)", connection);
            unlock.Parameters.Add(new NpgsqlParameter { Value = LockKey });
            await unlock.ExecuteNonQueryAsync(CancellationToken.None);
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
        {
            // Closing the connection ends the session, and the lock with it.
            LogUnlockFailed(logger, ex.GetBaseException().Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Another replica holds the start-up lock {LockKey}; waiting for it to finish changing the schema")]
    private static partial void LogWaiting(ILogger logger, long lockKey);

    [LoggerMessage(Level = LogLevel.Information, Message = "Start-up lock acquired after {WaitSeconds:F1} s")]
    private static partial void LogAcquired(ILogger logger, double waitSeconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Database schema is up to date")]
    private static partial void LogUpToDate(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Applying {Count} pending migration(s): {Migrations}")]
    private static partial void LogMigrating(ILogger logger, int count, string migrations);

    [LoggerMessage(Level = LogLevel.Information, Message = "Start-up schema step done: {Step}")]
    private static partial void LogStepDone(ILogger logger, string step);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not release the start-up lock explicitly (closing the connection releases it): {Reason}")]
    private static partial void LogUnlockFailed(ILogger logger, string reason);
}
