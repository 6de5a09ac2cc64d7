using FelixHub.Core.Delivery;
using FelixHub.Core.Persistence;
using FelixHub.Worker.Jobs;
using Hangfire;
using Hangfire.AspNetCore;
using Hangfire.Common;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Hangfire.States;
using Microsoft.Extensions.Options;
using Npgsql;

namespace FelixHub.Worker.Hosting;

public static class HangfireSetup
{
    /// <summary>Hangfire's pool is named this plus the replica's id in <c>pg_stat_activity</c>.</summary>
    public const string PoolApplicationNamePrefix = "felixhub-hangfire ";

    /// <summary>
    /// Hangfire on PostgreSQL. The storage and the job filters are this host's own DI singletons rather
    /// than Hangfire's process-wide statics, so several hosts (replicas in tests) can share one process.
    /// </summary>
    public static WebApplicationBuilder AddFelixHubHangfire(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var hostInstance = new HostInstanceId();
        services.AddSingleton(hostInstance);
        services.AddOptions<HangfireOptions>().BindConfiguration(HangfireOptions.Section).ValidateDataAnnotations().ValidateOnStart();

        services.AddSingleton<JobStorage>(sp =>
        {
            var o = sp.GetRequiredService<IOptions<HangfireOptions>>().Value;
            // Hangfire's own pool, named per host: in pg_stat_activity it reads felixhub-hangfire, and two
            // hosts in one process (tests) never share, and exhaust, one pool. Its size: Hangfire:MaxPoolSize
            // (or the workers + 2), unless the connection string sets one (ConnectionBudget counts the same).
            var configured = sp.GetRequiredService<IConfiguration>().GetConnectionString(PersistenceServiceCollectionExtensions.ConnectionStringName)!;
            var builder = new NpgsqlConnectionStringBuilder(configured)
            {
                ApplicationName = PoolApplicationNamePrefix + hostInstance.Id,
                MaxPoolSize = DatabaseOptions.PoolSizeIn(configured) ?? ConnectionBudget.HangfirePoolFor(o),
            };
            // Hangfire runs ~57 small statements per job; prepared once per connection they cost
            // PostgreSQL far less (measured in docs/performance.md).
            sp.GetRequiredService<IOptions<DatabaseOptions>>().Value.ApplyTo(builder, configured);
            var connectionString = builder.ConnectionString;
            var storageOptions = new PostgreSqlStorageOptions
            {
                SchemaName = o.SchemaName,
                // The schema is installed at start-up under the start-up lock (HangfireSchemaStep), not here:
                // the storage is first resolved while the app is built (the dashboard), before that lock is
                // taken, and replicas installing at the same moment collide.
                PrepareSchemaIfNecessary = false,
                QueuePollInterval = TimeSpan.FromSeconds(o.QueuePollIntervalSeconds),
                // Workers are woken by HangfireJobQueueProvider's own LISTEN/NOTIFY instead (o.EnableLongPolling).
                EnableLongPolling = false,
                InvisibilityTimeout = TimeSpan.FromMinutes(o.InvisibilityTimeoutMinutes),
                UseSlidingInvisibilityTimeout = true,
                DistributedLockTimeout = TimeSpan.FromSeconds(o.DistributedLockTimeoutSeconds),
            };
            var storage = new PostgreSqlStorage(new NpgsqlConnectionFactory(connectionString, storageOptions, null), storageOptions);
            // "default" is the only queue here (no job names another, the server's Queues are Hangfire's
            // default); a queue added later must be listed too, or its jobs wait for the fallback poll.
            storage.QueueProviders.Add(
                new HangfireJobQueueProvider(storage, storageOptions, connectionString, sp.GetRequiredService<HangfireQueueSignal>(), o.EnableLongPolling),
                [EnqueuedState.DefaultQueue]);
            return storage;
        });
        services.AddSingleton<HangfireQueueSignal>();
        services.AddSingleton<IStartupSchemaStep, HangfireSchemaStep>();

        // The client the delivery pipeline enqueues with: a storage over the application's own connection
        // pool with TransactionScope enlistment, so a message's send job is created in the transaction
        // that writes the message (Hangfire.PostgreSql's own support for the caller's transaction).
        services.AddKeyedSingleton<IBackgroundJobClient>(DeliveryOutbox.JobClientKey, (sp, _) =>
        {
            var o = sp.GetRequiredService<IOptions<HangfireOptions>>().Value;
            var storageOptions = new PostgreSqlStorageOptions
            {
                SchemaName = o.SchemaName,
                PrepareSchemaIfNecessary = false,
                EnableTransactionScopeEnlistment = true,
                QueuePollInterval = TimeSpan.FromSeconds(o.QueuePollIntervalSeconds),
                InvisibilityTimeout = TimeSpan.FromMinutes(o.InvisibilityTimeoutMinutes),
                DistributedLockTimeout = TimeSpan.FromSeconds(o.DistributedLockTimeoutSeconds),
            };
            var server = (PostgreSqlStorage)sp.GetRequiredService<JobStorage>();
            var storage = new PostgreSqlStorage(new DataSourceConnectionFactory(sp.GetRequiredService<NpgsqlDataSource>()), storageOptions);
            foreach (var queue in new[] { EnqueuedState.DefaultQueue })
                storage.QueueProviders.Add(server.QueueProviders.GetProvider(queue), [queue]);
            return new BackgroundJobClient(storage, sp.GetRequiredService<IJobFilterProvider>());
        });

        // Hangfire.AspNetCore would otherwise hand out the process-wide JobActivator.Current: with two
        // hosts in one process, jobs could be activated from the other host's container.
        services.AddSingleton<JobActivator>(sp => new AspNetCoreJobActivator(sp.GetRequiredService<IServiceScopeFactory>()));
        services.AddSingleton<JobTelemetryFilter>();
        services.AddSingleton<DeadLetterFilter>();
        services.AddSingleton<SkipIdleRecurringJobsFilter>();
        services.AddSingleton<IJobFilterProvider, HostJobFilterProvider>();
        services.AddHostedService<RecurringJobsRegistrar>();

        services.AddHangfire((_, config) => config
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings());

        var serverEnabled = builder.Configuration.GetValue<bool?>($"{HangfireOptions.Section}:{nameof(HangfireOptions.ServerEnabled)}") ?? true;
        if (serverEnabled)
        {
            services.AddHostedService<LeakedFetchWatchdog>();
            services.AddHostedService<HangfireQueueListener>();
            services.AddDeliveryWaker();
            services.AddHangfireServer((sp, server) =>
            {
                var o = sp.GetRequiredService<IOptions<HangfireOptions>>().Value;
                server.WorkerCount = o.WorkerCount;
                server.SchedulePollingInterval = TimeSpan.FromSeconds(o.SchedulePollingIntervalSeconds);
                server.StopTimeout = o.JobStopTimeout;
                server.ShutdownTimeout = o.ServerShutdownTimeout;
                server.ServerName = $"{Environment.MachineName}:{Environment.ProcessId}:{hostInstance.Id}";
            });
        }
        return builder;
    }
}

/// <summary>Connections from the application's pool (the one EF Core uses), for a storage whose work joins the ambient transaction.</summary>
internal sealed class DataSourceConnectionFactory(NpgsqlDataSource dataSource) : IConnectionFactory
{
    public NpgsqlConnection GetOrCreateConnection() => dataSource.CreateConnection();
}

/// <summary>Identifies one host (replica) in server names and connection application names.</summary>
internal sealed class HostInstanceId
{
    public string Id { get; } = Guid.NewGuid().ToString("N")[..8];
}

/// <summary>Installs or upgrades Hangfire's schema (Hangfire.PostgreSql's own scripts) inside the start-up lock.</summary>
internal sealed class HangfireSchemaStep(IOptions<HangfireOptions> options) : IStartupSchemaStep
{
    public string Name => $"Hangfire schema \"{options.Value.SchemaName}\"";

    public Task RunAsync(NpgsqlConnection lockedConnection, CancellationToken cancellationToken)
    {
        PostgreSqlObjectsInstaller.Install(lockedConnection, options.Value.SchemaName);
        return Task.CompletedTask;
    }
}
