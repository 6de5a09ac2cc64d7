using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using FelixHub.Core.Orders;
using FelixHub.Tests.Infrastructure;
using FelixHub.Tests.Reliability;
using FelixHub.Worker.Hosting;
using Npgsql;
using Xunit.Abstractions;

namespace FelixHub.Tests.Replicas;

/// <summary>
/// Three replicas with the default pool sizes and worker count on a PostgreSQL with the stock
/// <c>max_connections = 100</c>: a burst of 600 status changes through the API is delivered in full,
/// no job fails, and no replica ever meets <c>53300: sorry, too many clients already</c>.
/// </summary>
[Collection(FaultsCollection.Name)]
public sealed class ReplicaConnectionsTests(ITestOutputHelper output)
{
    private const int Replicas = 3;
    private const int StatusChanges = 600;

    [Fact]
    public async Task Three_replicas_with_default_pools_deliver_a_burst_of_600_notifications_within_a_stock_max_connections()
    {
        var test = Stopwatch.StartNew();
        await using var cluster = await PostgresCluster.StartAsync("-c max_connections=100");
        (await cluster.ScalarAsync("SHOW max_connections")).Should().Be("100", "the option given after pg.sh's own -c max_connections=300 wins");
        await using var telegram = await FakeTelegramServer.StartAsync();
        telegram.Respond(_ => new FakeReply(200, Delay: TimeSpan.FromMilliseconds(30)));

        var workers = new List<WorkerProcess>();
        await using var sampler = new ConnectionSampler(cluster.ConnectionString);
        try
        {
            var starts = Enumerable.Range(1, Replicas).Select(i => WorkerProcess.StartAsync(
                new NpgsqlConnectionStringBuilder(cluster.ConnectionString) { ApplicationName = $"felixhub-replica{i}" }.ConnectionString,
                telegram,
                new Dictionary<string, string?>
                {
                    // Production's worker count (the tests' default is smaller); the pools keep their defaults.
                    ["Hangfire:WorkerCount"] = new HangfireOptions().WorkerCount.ToString(CultureInfo.InvariantCulture),
                    ["Notifications:MechanicStatusEnabled"] = "true",
                    // As in production: the bot receives updates (one replica polls, the others stand by).
                    ["Telegram:ReceiveUpdates"] = "true",
                })).ToList();
            try
            {
                await Task.WhenAll(starts);
            }
            finally
            {
                workers.AddRange(starts.Where(s => s.IsCompletedSuccessfully).Select(s => s.Result));
            }

            var orders = await MechanicMessages.SeedOrdersAsync(cluster.ConnectionString, StatusChanges, firstChatId: 886_000_000);
            var burst = Stopwatch.StartNew();
            var refused = new ConcurrentBag<string>();
            using (var gate = new SemaphoreSlim(8 * Replicas))
            {
                await Task.WhenAll(orders.Select(async (id, n) =>
                {
                    await gate.WaitAsync();
                    try
                    {
                        using var response = await workers[n % Replicas].Http.PatchAsJsonAsync($"/api/orders/{id}", new { status = OrderStatus.InProgress });
                        if (response.StatusCode != HttpStatusCode.OK) refused.Add($"order {id}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                    }
                    finally
                    {
                        gate.Release();
                    }
                }));
            }
            var enqueued = burst.Elapsed;

            var delivered = await Eventually.Within(TimeSpan.FromSeconds(180),
                () => MechanicMessages.DeliveredCounts(telegram).Count >= StatusChanges);
            var drained = burst.Elapsed;
            var succeeded = await Eventually.Within(TimeSpan.FromSeconds(30),
                async () => await MechanicMessages.SendJobsAsync(cluster.ConnectionString, "Succeeded") == StatusChanges);

            var failedJobs = await MechanicMessages.ScalarAsync(cluster.ConnectionString, "SELECT count(*) FROM hangfire.job WHERE statename = 'Failed'");
            var tooManyClients = workers.SelectMany(w => w.Output)
                .Where(l => l.Contains("53300", StringComparison.Ordinal) || l.Contains("too many clients", StringComparison.OrdinalIgnoreCase)).ToList();
            var poolExhausted = workers.SelectMany(w => w.Output).Where(l => l.Contains("pool has been exhausted", StringComparison.OrdinalIgnoreCase)).ToList();
            var budgetWarnings = workers.SelectMany(w => w.Output).Where(l => l.Contains(nameof(ConnectionBudgetCheck), StringComparison.Ordinal) && l.Contains("WRN", StringComparison.Ordinal)).ToList();

            output.WriteLine($"{StatusChanges} status changes through {Replicas} replicas' APIs in {enqueued.TotalSeconds:F1} s; all delivered after {drained.TotalSeconds:F1} s; whole test {test.Elapsed.TotalSeconds:F0} s");
            output.WriteLine(sampler.Report());
            output.WriteLine($"refused status changes {refused.Count}, delivered {MechanicMessages.DeliveredCounts(telegram).Count}, failed jobs {failedJobs}, 53300 lines {tooManyClients.Count}, pool-exhausted lines {poolExhausted.Count}");
            foreach (var line in refused.Take(3).Concat(tooManyClients.Take(3)).Concat(poolExhausted.Take(3))) output.WriteLine(line);
            foreach (var worker in workers) output.WriteLine(string.Join('\n', worker.Lines(nameof(ConnectionBudgetCheck))));

            refused.Should().BeEmpty("every status change is accepted");
            delivered.Should().BeTrue("every status change is delivered to its mechanic");
            succeeded.Should().BeTrue("every notification job ends Succeeded");
            failedJobs.Should().Be(0);
            tooManyClients.Should().BeEmpty("three replicas' connections fit in max_connections = 100");
            poolExhausted.Should().BeEmpty("the pools are large enough for their own work");
            budgetWarnings.Should().BeEmpty("three replicas' budget fits in max_connections = 100");
            workers.Should().OnlyContain(w => !w.HasExited);
            sampler.PeakTotal.Should().BeLessThanOrEqualTo(100 - 3);
        }
        finally
        {
            foreach (var worker in workers) await worker.DisposeAsync();
        }
    }

    /// <summary>Samples <c>pg_stat_activity</c> every 100 ms on a connection of its own: the peak per application name and in all.</summary>
    private sealed class ConnectionSampler : IAsyncDisposable
    {
        private readonly CancellationTokenSource stop = new();
        private readonly ConcurrentDictionary<string, int> peaks = new();
        private readonly Task loop;

        public ConnectionSampler(string connectionString)
        {
            var own = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, ApplicationName = "test-sampler" }.ConnectionString;
            loop = Task.Run(() => SampleAsync(own, stop.Token));
        }

        public int PeakTotal { get; private set; }

        private async Task SampleAsync(string connectionString, CancellationToken ct)
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(ct);
            while (!ct.IsCancellationRequested)
            {
                var total = 0;
                await using (var command = new NpgsqlCommand(
                    "SELECT COALESCE(application_name, ''), count(*)::int FROM pg_stat_activity WHERE backend_type = 'client backend' GROUP BY 1", connection))
                await using (var reader = await command.ExecuteReaderAsync(ct))
                {
                    while (await reader.ReadAsync(ct))
                    {
                        var count = reader.GetInt32(1);
                        total += count;
                        peaks.AddOrUpdate(reader.GetString(0), count, (_, peak) => Math.Max(peak, count));
                    }
                }
                PeakTotal = Math.Max(PeakTotal, total);
                await Task.Delay(100, ct);
            }
        }

        public string Report() =>
            $"peak client connections: {PeakTotal} in all; by application name: " +
            string.Join(", ", peaks.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} {p.Value}"));

        public async ValueTask DisposeAsync()
        {
            await stop.CancelAsync();
            try
            {
                await loop;
            }
            catch (OperationCanceledException)
            {
                // Stopped.
            }
            stop.Dispose();
        }
    }
}
