using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using FelixHub.Core.Orders;
using FelixHub.Tests.Infrastructure;
using Xunit.Abstractions;

namespace FelixHub.Tests.Reliability;

/// <summary>
/// SIGTERM to a worker process while jobs run: jobs that fit the shutdown budget finish, longer ones
/// are cancelled and handed back, the process exits 0 within the budget, and its Hangfire server
/// deregisters. A new process then sends the rest, once each.
/// </summary>
[Collection(FaultsCollection.Name)]
public sealed class GracefulShutdownTests(ITestOutputHelper output)
{
    [Fact]
    public async Task SIGTERM_lets_running_jobs_finish_exits_0_deregisters_and_leaves_the_queue_to_the_next_process()
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        await using var telegram = await FakeTelegramServer.StartAsync();
        telegram.Respond(_ => new FakeReply(200, Delay: TimeSpan.FromSeconds(3)));
        var orders = await MechanicMessages.SeedOrdersAsync(database, 12, firstChatId: 884_000_000);
        var settings = new Dictionary<string, string?> { ["Hangfire:WorkerCount"] = "4", ["Hangfire:ShutdownTimeoutSeconds"] = "20" };
        await using var worker = await WorkerProcess.StartAsync(database, telegram, settings);

        foreach (var id in orders) await ChangeStatusAsync(worker, id);
        await Eventually.Until(() => telegram.InFlight == 4, "four sends in flight", TimeSpan.FromSeconds(30));
        var stopwatch = Stopwatch.StartNew();
        worker.Terminate();
        var exited = await worker.WaitForExitAsync(TimeSpan.FromSeconds(30));
        var took = stopwatch.Elapsed;

        var delivered = telegram.Delivered.Count;
        var succeeded = await MechanicMessages.SendJobsAsync(database, "Succeeded");
        var enqueued = await MechanicMessages.SendJobsAsync(database, "Enqueued");
        var servers = await ServersOfAsync(database, worker.Pid);
        output.WriteLine($"SIGTERM with 4 sends of 3 s in flight (budget 20 s: jobs get 14 s): exited {(exited ? worker.ExitCode.ToString(CultureInfo.InvariantCulture) : "no")} after {took.TotalSeconds:F1} s; "
            + $"delivered {delivered}, jobs succeeded {succeeded}, still enqueued {enqueued}; server rows left {servers}");

        exited.Should().BeTrue($"the process exits within its budget:\n{worker.Tail()}");
        worker.ExitCode.Should().Be(0, worker.Tail());
        took.Should().BeLessThan(TimeSpan.FromSeconds(20));
        delivered.Should().Be(4, "the jobs running at SIGTERM finished their sends");
        succeeded.Should().Be(4);
        enqueued.Should().Be(orders.Count - 4, "jobs not started stay queued for the next process");
        servers.Should().Be(0, "the Hangfire server deregistered");
        worker.Lines("stopped non-gracefully").Should().BeEmpty();

        telegram.Respond(_ => null);
        await using var next = await WorkerProcess.StartAsync(database, telegram, settings);
        await Eventually.Until(() => telegram.Delivered.Count >= orders.Count, "the rest", TimeSpan.FromSeconds(60));
        await Task.Delay(TimeSpan.FromSeconds(1));
        var counts = MechanicMessages.DeliveredCounts(telegram);
        output.WriteLine($"after a new process: expected {orders.Count}, delivered {counts.Values.Sum()}, duplicated {counts.Values.Sum(c => c - 1)}");
        counts.Should().HaveCount(orders.Count).And.OnlyContain(c => c.Value == 1);
        await PostgresServer.DropDatabaseAsync(database);
    }

    [Fact]
    public async Task SIGTERM_cancels_jobs_longer_than_the_budget_hands_them_back_and_exits_0_in_time()
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        await using var telegram = await FakeTelegramServer.StartAsync();
        telegram.Respond(_ => new FakeReply(200, Delay: TimeSpan.FromSeconds(60)));
        var orders = await MechanicMessages.SeedOrdersAsync(database, 3, firstChatId: 885_000_000);
        var settings = new Dictionary<string, string?>
        {
            ["Hangfire:WorkerCount"] = "3",
            ["Hangfire:ShutdownTimeoutSeconds"] = "6",
            ["Telegram:RequestTimeoutSeconds"] = "90",
        };
        await using var worker = await WorkerProcess.StartAsync(database, telegram, settings);

        foreach (var id in orders) await ChangeStatusAsync(worker, id);
        await Eventually.Until(() => telegram.InFlight == 3, "three sends hanging", TimeSpan.FromSeconds(30));
        var stopwatch = Stopwatch.StartNew();
        worker.Terminate();
        var exited = await worker.WaitForExitAsync(TimeSpan.FromSeconds(20));
        var took = stopwatch.Elapsed;

        var enqueued = await MechanicMessages.SendJobsAsync(database, "Enqueued");
        var handedBack = await Scalar(database, """
            SELECT count(*) FROM hangfire.jobqueue q JOIN hangfire.job j ON j.id = q.jobid
            WHERE q.fetchedat IS NULL AND j.invocationdata::text LIKE '%DeliveryJob%'
            """);
        var servers = await ServersOfAsync(database, worker.Pid);
        output.WriteLine($"SIGTERM with 3 sends of 60 s in flight (budget 6 s: jobs cancelled at 4.2 s): exited {(exited ? worker.ExitCode.ToString(CultureInfo.InvariantCulture) : "no")} after {took.TotalSeconds:F1} s; "
            + $"jobs enqueued again {enqueued}, queue rows free {handedBack}, delivered {telegram.Delivered.Count}; server rows left {servers}");

        exited.Should().BeTrue($"the process exits within its budget:\n{worker.Tail()}");
        worker.ExitCode.Should().Be(0, worker.Tail());
        took.Should().BeLessThan(TimeSpan.FromSeconds(6 + 2), "the shutdown budget is 6 s (plus process exit)");
        handedBack.Should().Be(orders.Count, "the cancelled jobs are back in the queue, not waiting for the invisibility timeout");
        servers.Should().Be(0, "the Hangfire server deregistered");

        telegram.Respond(_ => null);
        await using var next = await WorkerProcess.StartAsync(database, telegram, settings);
        await Eventually.Until(() => telegram.Delivered.Count >= orders.Count, "the handed-back messages", TimeSpan.FromSeconds(60));
        await Task.Delay(TimeSpan.FromSeconds(1));
        var counts = MechanicMessages.DeliveredCounts(telegram);
        output.WriteLine($"after a new process: expected {orders.Count}, delivered {counts.Values.Sum()}, duplicated {counts.Values.Sum(c => c - 1)}");
        counts.Should().HaveCount(orders.Count).And.OnlyContain(c => c.Value == 1);
        await PostgresServer.DropDatabaseAsync(database);
    }

    private static async Task ChangeStatusAsync(WorkerProcess worker, int orderId)
    {
        using var response = await worker.Http.PatchAsJsonAsync($"/api/orders/{orderId}", new { status = OrderStatus.InProgress });
        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    private static Task<long> ServersOfAsync(string database, int pid) => Scalar(database,
        $"SELECT count(*) FROM hangfire.server WHERE id LIKE '%:{pid.ToString(CultureInfo.InvariantCulture)}:%'");

    private static Task<long> Scalar(string database, string sql) => MechanicMessages.ScalarAsync(database, sql);
}
