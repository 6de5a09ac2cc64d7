using System.ComponentModel.DataAnnotations;
using Npgsql;

namespace FelixHub.Core.Persistence;

public sealed class DatabaseOptions
{
    /// <summary>Applies pending EF Core migrations when the worker starts (safe with several replicas: EF takes a lock).</summary>
    public bool MigrateOnStartup { get; set; } = true;

    /// <summary>Most connections one worker opens for the application schema (Hangfire has its own pool).</summary>
    [Range(2, 500)]
    public int MaxPoolSize { get; set; } = 50;

    /// <summary>
    /// Npgsql's automatic preparation: the statements a connection runs most (up to this many) are
    /// prepared on the server once and then only bound and executed, which saves PostgreSQL the parse
    /// and plan of every small statement. Applies to the application's and Hangfire's connections
    /// unless the connection string sets <c>Max Auto Prepare</c>. 0 switches it off (e.g. behind a
    /// transaction-pooling PgBouncer).
    /// </summary>
    [Range(0, 1000)]
    public int MaxAutoPrepare { get; set; } = 64;

    /// <summary>Applies <see cref="MaxAutoPrepare"/> to a connection string that does not set it itself.</summary>
    public void ApplyTo(NpgsqlConnectionStringBuilder builder, string originalConnectionString)
    {
        if (!new NpgsqlConnectionStringBuilder(originalConnectionString).ContainsKey("Max Auto Prepare"))
            builder.MaxAutoPrepare = MaxAutoPrepare;
    }
}
