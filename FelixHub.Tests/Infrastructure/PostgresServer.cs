using System.Diagnostics;
using FelixHub.Core.Persistence;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace FelixHub.Tests.Infrastructure;

/// <summary>
/// The real PostgreSQL of the test run: the cluster scripts/test.sh started (FELIXHUB_TEST_PG), or one
/// this class starts with scripts/pg.sh when the tests run on their own. A template database holds the
/// migrated schema and Hangfire's schema; each test class gets a fresh clone of it in ~100 ms.
/// </summary>
public static class PostgresServer
{
    private const string TemplateName = "felixhub_template";
    private static readonly Lazy<Task<string>> Server = new(StartAsync);
    private static readonly SemaphoreSlim CloneLock = new(1, 1);

    public static async Task<string> CreateDatabaseAsync()
    {
        var admin = await Server.Value;
        var name = "t_" + Guid.NewGuid().ToString("N")[..16];
        await CloneLock.WaitAsync();
        try
        {
            await ExecuteAsync(admin, $"CREATE DATABASE {name} TEMPLATE {TemplateName}");
        }
        finally
        {
            CloneLock.Release();
        }
        return new NpgsqlConnectionStringBuilder(admin) { Database = name, Pooling = true }.ConnectionString;
    }

    /// <summary>A database with nothing in it (no migrations, no Hangfire schema), as a first deployment meets it.</summary>
    public static async Task<string> CreateEmptyDatabaseAsync()
    {
        var admin = await Server.Value;
        var name = "e_" + Guid.NewGuid().ToString("N")[..16];
        await CloneLock.WaitAsync();
        try
        {
            await ExecuteAsync(admin, $"CREATE DATABASE {name}");
        }
        finally
        {
            CloneLock.Release();
        }
        return new NpgsqlConnectionStringBuilder(admin) { Database = name, Pooling = true }.ConnectionString;
    }

    public static async Task DropDatabaseAsync(string connectionString)
    {
        var admin = await Server.Value;
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        NpgsqlConnection.ClearAllPools();
        try
        {
            await ExecuteAsync(admin, $"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        }
        catch (NpgsqlException)
        {
            // The cluster is thrown away after the run anyway.
        }
    }

    private static async Task<string> StartAsync()
    {
        var url = Environment.GetEnvironmentVariable("FELIXHUB_TEST_PG");
        if (string.IsNullOrWhiteSpace(url)) url = StartOwnCluster();

        var admin = new NpgsqlConnectionStringBuilder(url) { Database = "postgres", Pooling = false }.ConnectionString;
        await ExecuteAsync(admin, $"DROP DATABASE IF EXISTS {TemplateName} WITH (FORCE)");
        await ExecuteAsync(admin, $"CREATE DATABASE {TemplateName}");

        var template = new NpgsqlConnectionStringBuilder(admin) { Database = TemplateName }.ConnectionString;
        var options = new DbContextOptionsBuilder<FelixHubDbContext>();
        options.UseFelixHubNpgsql(template);
        await using (var db = new FelixHubDbContext(options.Options))
            await db.Database.MigrateAsync();
        var hangfireOptions = new PostgreSqlStorageOptions { SchemaName = "hangfire", PrepareSchemaIfNecessary = true };
        _ = new PostgreSqlStorage(new NpgsqlConnectionFactory(template, hangfireOptions, null), hangfireOptions);
        NpgsqlConnection.ClearAllPools();
        return admin;
    }

    /// <summary>`dotnet test` on its own: start a throwaway cluster with the repository's script and stop it at exit.</summary>
    private static string StartOwnCluster()
    {
        var root = RepositoryRoot();
        var dir = Path.Combine(Path.GetTempPath(), "felixhub-tests-" + Environment.ProcessId);
        Directory.CreateDirectory(dir);
        var output = Run("bash", Path.Combine(root, "scripts", "pg.sh"), "start", Path.Combine(dir, "pg"));
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Run("bash", Path.Combine(root, "scripts", "pg.sh"), "stop", Path.Combine(dir, "pg"));
        return output.Trim().Split('\n').Last();
    }

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "FelixHub.sln"))) return dir.FullName;
        throw new InvalidOperationException("FelixHub.sln not found above " + AppContext.BaseDirectory);
    }

    private static string Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEnd();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed: {stderr}");
        return stdout;
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
