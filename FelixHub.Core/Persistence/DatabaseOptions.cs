using System.ComponentModel.DataAnnotations;
using Npgsql;

namespace FelixHub.Core.Persistence;

public sealed class DatabaseOptions
{
    /// <summary>
    /// Applies pending EF Core migrations when the worker starts. Replicas starting together take turns
    /// under the start-up lock (<see cref="DatabaseStartup"/>): one migrates, the others then find nothing to do.
    /// </summary>
    public bool MigrateOnStartup { get; set; } = true;

    /// <summary>
    /// Most connections in one worker's application pool (Hangfire has its own pool). A notification job
    /// holds one while it sends, and so does the dispatch path's pass while it sends a batch, so the pool
    /// must stay above <c>Hangfire:WorkerCount</c>: 10 workers + 1 shared by API requests, health checks
    /// and the due-time waker's pass. A pool size in the connection string wins.
    /// docs/database-connections.md sums up every connection of a replica.
    /// </summary>
    [Range(2, 500)]
    public int MaxPoolSize { get; set; } = 11;

    /// <summary>
    /// Connections of the Telegram rate limiter's own pool (<c>felixhub-limiter</c>). Every Telegram call
    /// takes its slot with one short statement while its sender holds an application connection (the
    /// message's row lock). From the application's pool, those statements waited behind the very senders
    /// that needed them: when every application connection was held by a send that was retrying (a 5xx
    /// storm), each send's next slot waited for the pool until its 15 s timeout. Its own pool cannot be
    /// taken by senders; 2 serve the statements of a whole replica (each takes about a millisecond).
    /// </summary>
    [Range(1, 100)]
    public int LimiterPoolSize { get; set; } = 2;

    /// <summary>
    /// Npgsql's automatic preparation: the statements a connection runs most (up to this many) are
    /// prepared on the server once and then only bound and executed, which saves PostgreSQL the parse
    /// and plan of every small statement. Applies to the application's and Hangfire's connections
    /// unless the connection string sets <c>Max Auto Prepare</c>. 0 switches it off (e.g. behind a
    /// transaction-pooling PgBouncer).
    /// </summary>
    [Range(0, 1000)]
    public int MaxAutoPrepare { get; set; } = 64;

    /// <summary>
    /// Npgsql's <c>No Reset On Close</c>: a pooled connection goes back to the pool without its session
    /// reset (RESET ALL, UNLISTEN *, pg_advisory_unlock_all(), ... sent with its next use). Nothing here
    /// leaves session state on a pooled connection: LISTEN and session advisory locks live on dedicated,
    /// unpooled connections, transactions and their advisory locks end before a connection is closed.
    /// Hangfire and the app open and close pooled connections many times per job, so the reset is a
    /// large share of PostgreSQL's work per job (docs/performance.md). Applies unless the connection
    /// string sets it.
    /// </summary>
    public bool NoResetOnClose { get; set; } = true;

    /// <summary>Applies <see cref="MaxAutoPrepare"/> and <see cref="NoResetOnClose"/> to a connection string that does not set them itself.</summary>
    public void ApplyTo(NpgsqlConnectionStringBuilder builder, string originalConnectionString)
    {
        if (!Sets(originalConnectionString, "MaxAutoPrepare"))
            builder.MaxAutoPrepare = MaxAutoPrepare;
        if (!Sets(originalConnectionString, "NoResetOnClose"))
            builder.NoResetOnClose = NoResetOnClose;
    }

    /// <summary>The pool size the connection string itself sets (<c>Maximum Pool Size</c>), if it sets one.</summary>
    public static int? PoolSizeIn(string connectionString) =>
        Sets(connectionString, "MaximumPoolSize", "MaxPoolSize") ? new NpgsqlConnectionStringBuilder(connectionString).MaxPoolSize : null;

    /// <summary>
    /// Whether the connection string itself sets one of <paramref name="keywords"/> (compared without
    /// spaces or case). Not <see cref="NpgsqlConnectionStringBuilder.ContainsKey"/>: that answers
    /// whether Npgsql knows the keyword, true for every setting, set or not.
    /// </summary>
    public static bool Sets(string connectionString, params string[] keywords)
    {
        var parsed = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        foreach (string key in parsed.Keys)
            if (keywords.Contains(key.Replace(" ", "", StringComparison.Ordinal), StringComparer.OrdinalIgnoreCase)) return true;
        return false;
    }
}
