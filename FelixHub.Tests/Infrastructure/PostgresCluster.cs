using System.Diagnostics;
using Npgsql;

namespace FelixHub.Tests.Infrastructure;

/// <summary>
/// A PostgreSQL cluster of a test's own, started with scripts/pg.sh (extra server options, e.g. a stock
/// <c>max_connections</c>) and removed at dispose. Its <c>felixhub</c> database is empty.
/// </summary>
public sealed class PostgresCluster : IAsyncDisposable
{
    private readonly string dir;

    private PostgresCluster(string dir, string connectionString)
    {
        this.dir = dir;
        ConnectionString = connectionString;
    }

    /// <summary>The cluster's <c>felixhub</c> database.</summary>
    public string ConnectionString { get; }

    /// <summary>Starts a cluster with <paramref name="serverOptions"/> appended to pg.sh's own (a later <c>-c</c> wins).</summary>
    public static async Task<PostgresCluster> StartAsync(string serverOptions)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"felixhub-cluster-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..12]}");
        Directory.CreateDirectory(dir);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(dir, (UnixFileMode)0b111_101_101);
        var output = await RunAsync(serverOptions, "start", Path.Combine(dir, "pg"));
        return new PostgresCluster(dir, output.Trim().Split('\n').Last());
    }

    public async Task<string> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToString(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture) ?? "";
    }

    private static async Task<string> RunAsync(string? serverOptions, params string[] args)
    {
        var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Path.Combine(PostgresServer.RepositoryRoot(), "scripts", "pg.sh"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (serverOptions is not null) psi.Environment["PG_EXTRA_OPTS"] = serverOptions;
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException($"scripts/pg.sh {string.Join(' ', args)} failed: {await stderr}");
        return await stdout;
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await RunAsync(null, "stop", Path.Combine(dir, "pg"));
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A temporary directory: left for the machine's clean-up.
        }
    }
}
