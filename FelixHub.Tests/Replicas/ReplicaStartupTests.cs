using System.Diagnostics;
using FelixHub.Core.Persistence;
using FelixHub.Tests.Infrastructure;
using FelixHub.Tests.Reliability;
using Microsoft.EntityFrameworkCore;
using Xunit.Abstractions;

namespace FelixHub.Tests.Replicas;

/// <summary>
/// A first deployment with several replicas: three worker processes started at the same moment on an
/// empty database all come up healthy. One of them migrates and installs Hangfire's schema under the
/// start-up lock; the others wait for it and then find nothing to do.
/// </summary>
[Collection(FaultsCollection.Name)]
public sealed class ReplicaStartupTests(ITestOutputHelper output)
{
    private const int Rounds = 10;
    private const int Replicas = 3;

    [Fact]
    public async Task Three_replicas_started_together_on_an_empty_database_all_come_up_ten_times_in_a_row()
    {
        var migrations = MigrationCount();
        var total = Stopwatch.StartNew();
        for (var round = 1; round <= Rounds; round++)
        {
            var database = await PostgresServer.CreateEmptyDatabaseAsync();
            var started = Stopwatch.StartNew();
            var starts = Enumerable.Range(0, Replicas)
                .Select(_ => WorkerProcess.StartAsync(database, telegram: null, startTimeout: TimeSpan.FromSeconds(120)))
                .ToList();
            try
            {
                await Task.WhenAll(starts);
            }
            catch (Exception)
            {
                // Reported below, with every replica's outcome.
            }

            var workers = starts.Where(s => s.IsCompletedSuccessfully).Select(s => s.Result).ToList();
            try
            {
                var failures = starts.Where(s => !s.IsCompletedSuccessfully)
                    .Select(s => s.Exception?.GetBaseException().Message ?? "cancelled").ToList();
                failures.Should().BeEmpty($"round {round}: every replica starts on the empty database");
                workers.Should().OnlyContain(w => !w.HasExited, $"round {round}: no replica exits after becoming healthy");
                foreach (var worker in workers)
                {
                    using var health = await worker.Http.GetAsync("/health");
                    ((int)health.StatusCode).Should().Be(200, $"round {round}: {worker.BaseUrl} answers /health:\n{worker.Tail()}");
                }

                (await MechanicMessages.ScalarAsync(database, $"SELECT count(*) FROM {PersistenceServiceCollectionExtensions.MigrationsHistoryTable}"))
                    .Should().Be(migrations, "every migration was applied once");
                (await MechanicMessages.ScalarAsync(database, "SELECT count(*) FROM hangfire.schema")).Should().Be(1, "Hangfire's schema was installed once");
                output.WriteLine($"round {round}: {Replicas} replicas healthy {started.Elapsed.TotalSeconds:F1} s after they were started");
            }
            finally
            {
                foreach (var worker in workers) await worker.DisposeAsync();
                await PostgresServer.DropDatabaseAsync(database);
            }
        }
        output.WriteLine($"{Rounds} rounds in {total.Elapsed.TotalSeconds:F0} s");
    }

    private static int MigrationCount()
    {
        var options = new DbContextOptionsBuilder<FelixHubDbContext>();
        options.UseFelixHubNpgsql("Host=unused");
        using var db = new FelixHubDbContext(options.Options);
        return db.Database.GetMigrations().Count();
    }
}
