using FelixHub.Core.Persistence;
using FelixHub.Tests.Infrastructure;
using FelixHub.Tests.Reliability;
using FelixHub.Worker.Hosting;
using Microsoft.AspNetCore.Builder;
using Npgsql;

namespace FelixHub.Tests.Replicas;

/// <summary>
/// The start-up schema work of one replica (the app built, not started): it waits while another session
/// holds the start-up lock, and <c>Database:MigrateOnStartup=false</c> leaves the migrations out but
/// still installs Hangfire's schema.
/// </summary>
public sealed class DatabaseStartupTests
{
    [Fact]
    public async Task A_replica_waits_for_the_start_up_lock_and_then_migrates_and_installs_hangfire()
    {
        var database = await PostgresServer.CreateEmptyDatabaseAsync();
        try
        {
            await using var holder = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(database) { Pooling = false }.ConnectionString);
            await holder.OpenAsync();
            await ExecuteAsync(holder, $"SELECT pg_advisory_lock({DatabaseStartup.LockKey})");

            await using var app = Build(database);
            var startup = app.MigrateDatabaseAsync();
            await Task.Delay(TimeSpan.FromSeconds(2));
            startup.IsCompleted.Should().BeFalse("another session holds the start-up lock");
            (await TableExistsAsync(database, "public", "booking_users")).Should().BeFalse();

            await ExecuteAsync(holder, $"SELECT pg_advisory_unlock({DatabaseStartup.LockKey})");
            await startup.WaitAsync(TimeSpan.FromSeconds(60));

            (await TableExistsAsync(database, "public", "booking_users")).Should().BeTrue("the migrations ran once the lock was free");
            (await TableExistsAsync(database, "hangfire", "job")).Should().BeTrue("Hangfire's schema was installed under the lock");
            (await MechanicMessages.ScalarAsync(database, $"SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = {DatabaseStartup.LockKey & 0xFFFFFFFF} AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"))
                .Should().Be(0, "the lock is released");
        }
        finally
        {
            await PostgresServer.DropDatabaseAsync(database);
        }
    }

    [Fact]
    public async Task With_MigrateOnStartup_off_the_migrations_are_left_out_and_hangfire_still_gets_its_schema()
    {
        var database = await PostgresServer.CreateEmptyDatabaseAsync();
        try
        {
            await using (var app = Build(database, ("Database:MigrateOnStartup", "false")))
                await app.MigrateDatabaseAsync();

            (await TableExistsAsync(database, "public", PersistenceServiceCollectionExtensions.MigrationsHistoryTable)).Should().BeFalse();
            (await TableExistsAsync(database, "public", "booking_users")).Should().BeFalse();
            (await TableExistsAsync(database, "hangfire", "job")).Should().BeTrue();
        }
        finally
        {
            await PostgresServer.DropDatabaseAsync(database);
        }
    }

    private static WebApplication Build(string database, params (string Key, string Value)[] overrides)
    {
        var settings = TestWorker.Defaults(database, telegram: null);
        foreach (var (key, value) in overrides) settings[key] = value;
        return FelixHubApp.Build(settings.Select(s => $"--{s.Key}={s.Value}").ToArray());
    }

    private static async Task<bool> TableExistsAsync(string database, string schema, string table) =>
        await MechanicMessages.ScalarAsync(database, $"SELECT count(*) FROM information_schema.tables WHERE table_schema = '{schema}' AND table_name = '{table}'") == 1;

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
