using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace FelixHub.Core.Persistence;

public static class PersistenceServiceCollectionExtensions
{
    public const string ConnectionStringName = "FelixHub";

    public static IServiceCollection AddPersistence(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DatabaseOptions>().BindConfiguration("Database").ValidateDataAnnotations().ValidateOnStart();

        var connectionString = configuration.GetConnectionString(ConnectionStringName);
        if (string.IsNullOrWhiteSpace(connectionString))
            throw new InvalidOperationException(
                $"ConnectionStrings:{ConnectionStringName} is not set. Set ConnectionStrings__{ConnectionStringName}, or start the worker with scripts/run.sh, which starts a local PostgreSQL.");

        services.AddSingleton(sp =>
        {
            var builder = new NpgsqlConnectionStringBuilder(connectionString);
            var dbOptions = sp.GetRequiredService<IOptions<DatabaseOptions>>().Value;
            builder.MaxPoolSize = DatabaseOptions.PoolSizeIn(connectionString) ?? dbOptions.MaxPoolSize;
            if (string.IsNullOrEmpty(builder.ApplicationName))
                builder.ApplicationName = "felixhub";
            dbOptions.ApplyTo(builder, connectionString);
            var dataSource = new NpgsqlDataSourceBuilder(builder.ConnectionString);
            dataSource.UseLoggerFactory(sp.GetRequiredService<ILoggerFactory>());
            return dataSource.Build();
        });

        services.AddSingleton(sp =>
        {
            var builder = new NpgsqlConnectionStringBuilder(connectionString);
            var dbOptions = sp.GetRequiredService<IOptions<DatabaseOptions>>().Value;
            builder.MaxPoolSize = dbOptions.LimiterPoolSize;
            builder.ApplicationName = (string.IsNullOrEmpty(builder.ApplicationName) ? "felixhub" : builder.ApplicationName) + "-limiter";
            dbOptions.ApplyTo(builder, connectionString);
            var dataSource = new NpgsqlDataSourceBuilder(builder.ConnectionString);
            dataSource.UseLoggerFactory(sp.GetRequiredService<ILoggerFactory>());
            return new LimiterDataSource(dataSource.Build());
        });

        services.AddDbContext<FelixHubDbContext>((sp, options) => options.UseFelixHubNpgsql(sp.GetRequiredService<NpgsqlDataSource>()));

        return services;
    }

    /// <summary>
    /// Optional: where the dedicated connections (<see cref="DedicatedConnectionString"/>) go instead of
    /// <see cref="ConnectionStringName"/>. They need a session of their own (LISTEN, session advisory
    /// locks): when <c>ConnectionStrings:FelixHub</c> points at a transaction-pooling PgBouncer, point this
    /// one at PostgreSQL itself or at a session-pooling PgBouncer database (docs/database-connections.md).
    /// </summary>
    public const string SessionConnectionStringName = "FelixHubSession";

    /// <summary>
    /// The connection string for a long-lived connection of its own (a LISTEN, a session advisory lock):
    /// outside the pool, so it never takes a pooled connection for hours, and named
    /// <paramref name="applicationName"/> so it can be told apart in <c>pg_stat_activity</c>. From
    /// <see cref="SessionConnectionStringName"/> when it is set.
    /// </summary>
    public static string DedicatedConnectionString(IConfiguration configuration, string applicationName) =>
        new NpgsqlConnectionStringBuilder(SessionConnectionString(configuration))
        {
            Pooling = false,
            ApplicationName = applicationName,
        }.ConnectionString;

    private static string? SessionConnectionString(IConfiguration configuration)
    {
        var session = configuration.GetConnectionString(SessionConnectionStringName);
        return string.IsNullOrWhiteSpace(session) ? configuration.GetConnectionString(ConnectionStringName) : session;
    }

    /// <summary>The one way the app, the design-time factory and the tests configure EF Core for PostgreSQL.</summary>
    public static DbContextOptionsBuilder UseFelixHubNpgsql(this DbContextOptionsBuilder options, NpgsqlDataSource dataSource) =>
        options.UseNpgsql(dataSource, npgsql => npgsql.MigrationsHistoryTable(MigrationsHistoryTable)).UseSnakeCaseNamingConvention();

    public static DbContextOptionsBuilder UseFelixHubNpgsql(this DbContextOptionsBuilder options, string connectionString) =>
        options.UseNpgsql(connectionString, npgsql => npgsql.MigrationsHistoryTable(MigrationsHistoryTable)).UseSnakeCaseNamingConvention();

    public const string MigrationsHistoryTable = "__ef_migrations_history";
}

/// <summary>
/// The Telegram rate limiter's own small pool (<see cref="DatabaseOptions.LimiterPoolSize"/>,
/// <c>felixhub-limiter</c> in <c>pg_stat_activity</c>): its statements never wait behind the senders that hold
/// the application's connections. A pool size written in the connection string does not apply to it.
/// </summary>
public sealed class LimiterDataSource(NpgsqlDataSource dataSource) : IAsyncDisposable
{
    public NpgsqlDataSource DataSource { get; } = dataSource;

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();
}
