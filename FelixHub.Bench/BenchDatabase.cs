using System.Diagnostics;
using Npgsql;

namespace FelixHub.Bench;

/// <summary>
/// A throwaway PostgreSQL cluster started with the repository's scripts/pg.sh (default durability
/// settings, <c>pg_stat_statements</c> loaded to count statements, <c>pgstattuple</c> in each database), removed at the end.
/// </summary>
internal sealed class BenchDatabase : IAsyncDisposable
{
    private readonly string root;
    private readonly string dir;
    private int databases;

    private BenchDatabase(string root, string dir, string connectionString)
    {
        this.root = root;
        this.dir = dir;
        ConnectionString = connectionString;
    }

    /// <summary>The cluster's <c>felixhub</c> database.</summary>
    public string ConnectionString { get; }

    public string RepositoryDirectory => root;

    /// <param name="serverOptions">More server options (<c>-c name=value …</c>), after the script's own (a later one wins).</param>
    /// <param name="name">Told apart from the process's other clusters (its directory).</param>
    public static async Task<BenchDatabase> StartAsync(string? serverOptions = null, string name = "")
    {
        var root = RepositoryRoot();
        var dir = Path.Combine(Path.GetTempPath(), "felixhub-bench-" + Environment.ProcessId + name);
        Directory.CreateDirectory(dir);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(dir, (UnixFileMode)0b111_101_101);
        var output = await RunAsync(new Dictionary<string, string> { ["PG_EXTRA_OPTS"] = "-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.max=10000 " + serverOptions },
            "bash", Path.Combine(root, "scripts", "pg.sh"), "start", Path.Combine(dir, "pg"));
        var cs = new NpgsqlConnectionStringBuilder(output.Trim().Split('\n').Last()) { MaxPoolSize = 200 }.ConnectionString;
        var database = new BenchDatabase(root, dir, cs);
        await database.ExecuteAsync("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
        return database;
    }

    /// <summary>A fresh, empty database in the cluster (each benchmark run gets its own).</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = $"bench_{Interlocked.Increment(ref databases)}_{Environment.ProcessId}";
        await ExecuteAsync($"CREATE DATABASE {name}");
        var cs = new NpgsqlConnectionStringBuilder(ConnectionString) { Database = name, MaxPoolSize = 100 }.ConnectionString;
        await using var connection = new NpgsqlConnection(cs);
        await connection.OpenAsync();
        // pg_stat_statements counts statements; pgstattuple reads a table's live, dead and free bytes (the soak's tables).
        await using var command = new NpgsqlCommand("CREATE EXTENSION IF NOT EXISTS pg_stat_statements; CREATE EXTENSION IF NOT EXISTS pgstattuple", connection);
        await command.ExecuteNonQueryAsync();
        return cs;
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 600 };
        await command.ExecuteNonQueryAsync();
    }

    /// <summary><c>pg_ctl restart -m fast</c> (as the cluster's owner, same port and options): every connection is cut.</summary>
    public Task RestartAsync() => RunAsync(null, "bash", Path.Combine(root, "scripts", "pg.sh"), "restart", Path.Combine(dir, "pg"));

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await RunAsync(null, "bash", Path.Combine(root, "scripts", "pg.sh"), "stop", Path.Combine(dir, "pg"));
        try { Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static string RepositoryRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "FelixHub.sln"))) return d.FullName;
        throw new InvalidOperationException("Run the benchmark from the repository (FelixHub.sln not found).");
    }

    private static async Task<string> RunAsync(IDictionary<string, string>? environment, string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        using var process = Process.Start(psi)!;
        var stdout = await process.StandardOutput.ReadToEndAsync();
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)}: {stderr}");
        return stdout;
    }
}

/// <summary>Statements the worker sent, from <c>pg_stat_statements</c> (the benchmark's own queries carry <c>/*bench*/</c> and are left out).</summary>
internal static class StatementCounter
{
    public static async Task ResetAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("/*bench*/ SELECT pg_stat_statements_reset()", connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// Puts the database in the same state before each measured drain, the way pgbench vacuums before
    /// a run: the jobs earlier drains finished are expired (what Hangfire's expiration manager does a
    /// day later; without it each drain would run on a job table one drain bigger than the one before),
    /// <c>VACUUM ANALYZE</c> (dead rows and statistics) and a <c>CHECKPOINT</c> (so the next timed
    /// checkpoint, and the full-page writes after it, fall at the same point of every drain instead of
    /// wherever the previous phases left them). Measure an earlier drain before settling for the next.
    /// </summary>
    public static async Task SettleAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        foreach (var sql in new[] { "/*bench*/ DELETE FROM hangfire.job WHERE statename = 'Succeeded'", "/*bench*/ VACUUM ANALYZE", "/*bench*/ CHECKPOINT" })
        {
            await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 600 };
            await command.ExecuteNonQueryAsync();
        }
    }

    /// <summary>Calls recorded for this database since the last reset, excluding the benchmark's own.</summary>
    public static async Task<long> CountAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            /*bench*/ SELECT COALESCE(sum(calls), 0)::bigint FROM pg_stat_statements s
            JOIN pg_database d ON d.oid = s.dbid
            WHERE d.datname = current_database() AND s.query NOT LIKE '%/*bench*/%'
            """, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>
    /// The statements since the last reset, most expensive first (calls and execution time per unit of
    /// work), written to <paramref name="path"/>: where a phase spends PostgreSQL's time.
    /// </summary>
    public static async Task WriteProfileAsync(string connectionString, string path, int units)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            /*bench*/ SELECT s.calls, s.total_exec_time, s.rows, regexp_replace(left(s.query, 160), '\s+', ' ', 'g')
            FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
            WHERE d.datname = current_database() AND s.query NOT LIKE '%/*bench*/%'
            ORDER BY s.total_exec_time DESC
            """, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var lines = new List<string> { $"{"calls/unit",10} {"exec ms/unit",12} {"rows/call",9}  query" };
        double calls = 0, time = 0;
        while (await reader.ReadAsync())
        {
            var c = reader.GetInt64(0);
            var t = reader.GetDouble(1);
            calls += c;
            time += t;
            lines.Add(FormattableString.Invariant($"{c / (double)units,10:0.000} {t / units,12:0.0000} {reader.GetInt64(2) / (double)Math.Max(c, 1),9:0.0}  {reader.GetString(3)}"));
        }
        lines.Insert(1, FormattableString.Invariant($"{calls / units,10:0.000} {time / units,12:0.0000} {"",9}  (total)"));
        await File.WriteAllLinesAsync(path, lines);
    }
}
