using System.Diagnostics;
using Npgsql;

namespace FelixHub.Bench;

/// <summary>A throwaway PostgreSQL cluster started with the repository's scripts/pg.sh, removed at the end.</summary>
internal sealed class BenchDatabase : IAsyncDisposable
{
    private readonly string root;
    private readonly string dir;

    private BenchDatabase(string root, string dir, string connectionString)
    {
        this.root = root;
        this.dir = dir;
        ConnectionString = connectionString;
    }

    public string ConnectionString { get; }

    public static async Task<BenchDatabase> StartAsync()
    {
        var root = RepositoryRoot();
        var dir = Path.Combine(Path.GetTempPath(), "felixhub-bench-" + Environment.ProcessId);
        Directory.CreateDirectory(dir);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(dir, (UnixFileMode)0b111_101_101);
        var output = await RunAsync("bash", Path.Combine(root, "scripts", "pg.sh"), "start", Path.Combine(dir, "pg"));
        var cs = new NpgsqlConnectionStringBuilder(output.Trim().Split('\n').Last()) { MaxPoolSize = 200 }.ConnectionString;
        return new BenchDatabase(root, dir, cs);
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 600 };
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await RunAsync("bash", Path.Combine(root, "scripts", "pg.sh"), "stop", Path.Combine(dir, "pg"));
        try { Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static string RepositoryRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "FelixHub.sln"))) return d.FullName;
        throw new InvalidOperationException("Run the benchmark from the repository (FelixHub.sln not found).");
    }

    private static async Task<string> RunAsync(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var stdout = await process.StandardOutput.ReadToEndAsync();
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)}: {stderr}");
        return stdout;
    }
}
