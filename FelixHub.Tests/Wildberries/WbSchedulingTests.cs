using FelixHub.Core.Common;
using FelixHub.Core.Delivery;
using FelixHub.Core.Wildberries;
using FelixHub.Core.Wildberries.Api;
using FelixHub.Core.Wildberries.Data;
using FelixHub.Core.Wildberries.Sync;
using FelixHub.Tests.Infrastructure;
using Hangfire;
using Hangfire.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace FelixHub.Tests.Wildberries;

/// <summary>The recurring fan-out, one sync per cabinet at a time, and WB's limits kept in the database.</summary>
public sealed class WbSchedulingTests(WbFixture fixture) : IClassFixture<WbFixture>
{
    private readonly TestWorker worker = fixture.Worker;
    private readonly FakeTelegramServer telegram = fixture.Telegram;
    private readonly FakeWbServer wb = fixture.Wb;

    [Fact]
    public void The_fan_out_and_the_dispatch_are_recurring_jobs_with_stable_ids_and_SYNC_INTERVALs_cron()
    {
        using var connection = worker.Services.GetRequiredService<JobStorage>().GetConnection();
        var jobs = connection.GetRecurringJobs().ToDictionary(j => j.Id, j => j.Cron);

        jobs.Should().Contain(WbSyncFanOutJob.RecurringJobId, "0 0 * * *", "the test worker syncs every 86,400 s");
        jobs.Should().Contain(DeliveryDispatchJob.RecurringJobId, "* * * * *");
    }

    [Fact]
    public void Every_work_probe_names_a_registered_recurring_job_and_its_query_runs()
    {
        var probes = worker.Services.GetServices<IRecurringWorkProbe>().ToList();
        using var connection = worker.Services.GetRequiredService<JobStorage>().GetConnection();
        var registered = connection.GetRecurringJobs().Select(j => j.Id).ToList();

        probes.Select(p => p.RecurringJobId).Should().OnlyHaveUniqueItems().And.BeSubsetOf(registered)
            .And.Contain([WbSyncFanOutJob.RecurringJobId, DeliveryDispatchJob.RecurringJobId]);
        foreach (var probe in probes) probe.Invoking(p => p.HasWork()).Should().NotThrow(probe.RecurringJobId);
        worker.Logs.Containing("could not check for work").Should().BeEmpty();
    }

    [Fact]
    public async Task The_fan_out_queues_one_sync_per_syncable_cabinet_and_skips_running_or_still_queued_ones()
    {
        var ids = new List<long>();
        foreach (var _ in Enumerable.Range(0, 4))
        {
            var seller = wb.NewSeller();
            seller.AddOrder(FakeSeller.NewNmId());
            ids.Add(await worker.RegisterAndWaitAsync(telegram, WbTestSteps.NewTelegramId(), seller));
        }
        var (free, alsoFree, running, queued) = (ids[0], ids[1], ids[2], ids[3]);
        await worker.DbAsync(db => db.Set<WbCabinet>().Where(c => c.Id == running)
            .ExecuteUpdateAsync(u => u.SetProperty(c => c.SyncLeaseUntil, DateTimeOffset.UtcNow.AddMinutes(10)).SetProperty(c => c.SyncLeaseOwner, Guid.NewGuid())));
        await worker.DbAsync(db => db.Set<WbCabinet>().Where(c => c.Id == queued)
            .ExecuteUpdateAsync(u => u.SetProperty(c => c.SyncEnqueuedAt, DateTimeOffset.UtcNow)));

        await worker.InScopeAsync(async sp =>
        {
            await sp.GetRequiredService<WbSyncFanOutJob>().ExecuteAsync(CancellationToken.None);
            return 0;
        });

        Task<int> RegularSyncs(long id) => worker.DbAsync(db => db.Set<WbSyncLog>().CountAsync(l => l.CabinetId == id && l.Kind == "regular" && l.Status != "running"));
        await Eventually.Until(async () => await RegularSyncs(free) == 1 && await RegularSyncs(alsoFree) == 1, "the queued syncs to run");
        await Task.Delay(500);
        (await RegularSyncs(free)).Should().Be(1);
        (await RegularSyncs(running)).Should().Be(0, "a sync still holds it: skipped, not stacked");
        (await RegularSyncs(queued)).Should().Be(0, "a sync of it is already waiting in the queue");
    }

    [Fact]
    public async Task Two_syncs_of_one_cabinet_at_the_same_time_run_once()
    {
        var seller = wb.NewSeller();
        var nm = FakeSeller.NewNmId();
        seller.AddOrder(nm);
        var user = WbTestSteps.NewTelegramId();
        var cabinetId = await worker.RegisterAndWaitAsync(telegram, user, seller);
        seller.AddOrder(nm);
        seller.Script = r =>
        {
            if (r.Path == "/api/v1/supplier/orders") Thread.Sleep(400);
            return null;
        };

        var results = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => worker.SyncAsync(cabinetId, waitIfSkipped: false)));

        results.Select(r => r.Status).Should().BeEquivalentTo([WbSyncStatus.Succeeded, WbSyncStatus.Skipped, WbSyncStatus.Skipped]);
        (await telegram.SettledMessagesAsync(user, 2)).Should().HaveCount(2);
    }

    [Fact]
    public async Task WBs_limit_is_kept_in_the_database_so_a_restarted_or_second_replica_honours_it()
    {
        var seller = wb.NewSeller();
        var cabinetId = await worker.RegisterAndWaitAsync(telegram, WbTestSteps.NewTelegramId(), seller);
        var time = new FakeTimeProvider(WholeSeconds(DateTimeOffset.UtcNow.AddDays(1)));
        var interval = TimeSpan.FromMinutes(1);
        const string endpoint = "test-endpoint";

        await using var replicaA = NpgsqlDataSource.Create(worker.ConnectionString);
        await using var replicaB = NpgsqlDataSource.Create(worker.ConnectionString);
        var a = new WbRateLimiter(replicaA, time);
        var b = new WbRateLimiter(replicaB, time);
        var account = await worker.RateLimitAccountAsync(cabinetId);

        (await a.ReserveAsync(account, endpoint, interval, TimeSpan.FromMinutes(5), default)).Should().Be(TimeSpan.Zero);
        (await b.ReserveAsync(account, endpoint, interval, TimeSpan.FromMinutes(5), default)).Should().Be(interval, "the other replica's call took the first slot");
        (await a.ReserveAsync(account, endpoint, interval, TimeSpan.FromSeconds(90), default)).Should().BeNull("the third slot is two minutes away");

        time.Advance(TimeSpan.FromMinutes(2));
        (await b.ReserveAsync(account, endpoint, interval, TimeSpan.Zero, default)).Should().Be(TimeSpan.Zero);

        time.Advance(TimeSpan.FromMinutes(1));
        await a.PushBackAsync(account, endpoint, time.GetUtcNow().AddSeconds(45), default);
        (await b.ReserveAsync(account, endpoint, TimeSpan.Zero, TimeSpan.FromMinutes(5), default)).Should().Be(TimeSpan.FromSeconds(45), "a 429's wait binds every replica");
    }

    /// <summary>PostgreSQL keeps microseconds; a fake clock on whole seconds compares exactly.</summary>
    private static DateTimeOffset WholeSeconds(DateTimeOffset t) => new(t.Ticks - t.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero);

    public static TheoryData<string, string, string> BadSchedules => new()
    {
        { "Wildberries:SyncIntervalSeconds", "0", "SyncIntervalSeconds" },
        { "Wildberries:SyncIntervalSeconds", "-45", "SyncIntervalSeconds" },
        { "Hangfire:SchedulePollingIntervalSeconds", "300", "SchedulePollingIntervalSeconds" },
    };

    [Theory]
    [MemberData(nameof(BadSchedules))]
    public void The_worker_refuses_to_start_with_an_interval_it_cannot_keep(string key, string value, string named)
    {
        var settings = new Dictionary<string, string?>(WbFixture.Settings(wb)) { ["Wildberries:SyncIntervalSeconds"] = "180", ["Hangfire:SchedulePollingIntervalSeconds"] = "5" };
        settings[key] = value;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        using var provider = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging().AddWildberries().BuildServiceProvider();

        // What the host runs before it starts anything (ValidateOnStart).
        var validate = () => provider.GetRequiredService<IStartupValidator>().Validate();

        validate.Should().Throw<OptionsValidationException>().Which.Message.Should().Contain(named);
    }

    [Fact]
    public void A_valid_schedule_passes_the_start_up_validation()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(WbFixture.Settings(wb)).Build();
        using var provider = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging().AddWildberries().BuildServiceProvider();

        provider.GetRequiredService<IStartupValidator>().Validate();
    }

    [Fact]
    public async Task The_initial_sync_asks_for_InitialSyncDays_of_history_in_Moscow_time()
    {
        var now = WholeSeconds(DateTimeOffset.UtcNow);
        var time = new FakeTimeProvider(now);
        var database = await PostgresServer.CreateDatabaseAsync();
        var settings = WbFixture.Settings(wb);
        settings["Wildberries:InitialSyncDays"] = "3";
        var fakeTimeWorker = await TestWorker.StartAsync(database, telegram, settings, services => services.AddSingleton<TimeProvider>(time));
        try
        {
            await InitialWindowAsync(fakeTimeWorker, now);
        }
        finally
        {
            await fakeTimeWorker.DisposeAsync();
            await PostgresServer.DropDatabaseAsync(database);
        }
    }

    private async Task InitialWindowAsync(TestWorker fakeTimeWorker, DateTimeOffset now)
    {
        var seller = wb.NewSeller();
        var user = WbTestSteps.NewTelegramId();

        var cabinetId = await fakeTimeWorker.RegisterAndWaitAsync(telegram, user, seller);

        var expected = now.AddDays(-3).ToOffset(TimeSpan.FromHours(3)).ToString("yyyy-MM-dd'T'HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
        seller.RequestsTo("/api/v1/supplier/orders").Single().Query["dateFrom"].Should().Be(expected);
        seller.RequestsTo("/api/v1/supplier/sales").Single().Query["dateFrom"].Should().Be(expected);
        seller.RequestsTo("/api/v1/feedbacks").Should().OnlyContain(r => r.Query["dateFrom"] == now.AddDays(-3).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
        var cabinet = await fakeTimeWorker.DbAsync(db => db.Set<WbCabinet>().SingleAsync(c => c.Id == cabinetId));
        cabinet.HistoryFrom.Should().Be(now.AddDays(-3));
        cabinet.InitialSyncCompletedAt.Should().Be(now);
    }
}
