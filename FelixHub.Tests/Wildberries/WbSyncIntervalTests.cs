using System.Collections.Concurrent;
using FelixHub.Core.Common;
using FelixHub.Core.Wildberries;
using FelixHub.Core.Wildberries.Data;
using FelixHub.Core.Wildberries.Sync;
using FelixHub.Tests.Infrastructure;
using Hangfire;
using Hangfire.Common;
using Hangfire.States;
using Hangfire.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace FelixHub.Tests.Wildberries;

/// <summary>A worker told SYNC_INTERVAL=45, which no cron expresses.</summary>
public sealed class WbSyncIntervalFixture : WbFixture
{
    protected override void Configure(Dictionary<string, string?> settings) => settings["Wildberries:SyncIntervalSeconds"] = "45";
}

/// <summary>Issue 21 §5: any positive SYNC_INTERVAL is honoured, with a fan-out a cron can run and per-cabinet skipping.</summary>
public sealed class WbSyncIntervalTests(WbSyncIntervalFixture fixture) : IClassFixture<WbSyncIntervalFixture>
{
    private readonly TestWorker worker = fixture.Worker;
    private readonly FakeTelegramServer telegram = fixture.Telegram;
    private readonly FakeWbServer wb = fixture.Wb;

    [Theory]
    [InlineData(45, 15, "*/15 * * * * *")]
    [InlineData(100, 20, "*/20 * * * * *")]
    [InlineData(90, 30, "*/30 * * * * *")]
    [InlineData(5400, 1800, "*/30 * * * *")]
    [InlineData(7200, 7200, "0 */2 * * *")]
    [InlineData(180, 180, "*/3 * * * *")]
    [InlineData(47, 6, "*/6 * * * * *")]
    [InlineData(7, 1, "*/1 * * * * *")]
    [InlineData(86399, 10800, "0 */3 * * *")]
    public void Every_positive_interval_gets_a_fan_out_cron_a_sixth_of_it_or_finer(int seconds, int tick, string cron)
    {
        var plan = SyncSchedule.PlanFor(seconds)!;

        plan.TickSeconds.Should().Be(tick);
        plan.Cron.Should().Be(cron);
        plan.Exact.Should().Be(tick == seconds);
        SyncSchedule.PlanFor(0).Should().BeNull();
    }

    [Fact]
    public void The_fan_out_runs_every_15_seconds_for_an_interval_of_45()
    {
        using var connection = worker.Services.GetRequiredService<JobStorage>().GetConnection();

        connection.GetRecurringJobs().Single(j => j.Id == WbSyncFanOutJob.RecurringJobId).Cron.Should().Be("*/15 * * * * *");
        worker.Logs.Containing("WB sync every 45 s").Should().NotBeEmpty();
    }

    [Fact]
    public async Task A_cabinet_is_queued_only_once_its_interval_has_passed_since_its_last_sync_started()
    {
        var user = WbTestSteps.NewTelegramId();
        var cabinetId = await worker.RegisterAndWaitAsync(telegram, user, wb.NewSeller());
        // A fake "now" a day ahead: the worker's own fan-out (every 15 s, on the real clock) leaves the cabinet alone.
        var now = DateTimeOffset.UtcNow.AddDays(1);
        var time = new FakeTimeProvider(now);
        var jobs = new RecordingJobClient();
        var options = worker.Services.GetRequiredService<IOptionsMonitor<WildberriesOptions>>();
        var dataSource = worker.Services.GetRequiredService<NpgsqlDataSource>();
        var fanOut = new WbSyncFanOutJob(dataSource, jobs, options, time, NullLogger<WbSyncFanOutJob>.Instance);
        var probe = worker.Services.GetServices<IRecurringWorkProbe>().Single(p => p.RecurringJobId == WbSyncFanOutJob.RecurringJobId);
        var probeAtNow = new WbFanOutProbe(dataSource, options, time);

        Task LastStartedAgo(int seconds) => worker.DbAsync(db => db.Set<WbCabinet>().Where(c => c.Id == cabinetId)
            .ExecuteUpdateAsync(u => u.SetProperty(c => c.LastSyncStartedAt, now.AddSeconds(-seconds)).SetProperty(c => c.SyncEnqueuedAt, (DateTimeOffset?)null)));

        await LastStartedAgo(30);
        probeAtNow.HasWork().Should().BeFalse("30 s ago is less than 45 s less half a tick");
        await fanOut.ExecuteAsync(CancellationToken.None);
        jobs.CabinetIds.Should().NotContain(cabinetId);

        await LastStartedAgo(40);
        probeAtNow.HasWork().Should().BeTrue("the tick at 45 s comes within half a tick of it");
        await fanOut.ExecuteAsync(CancellationToken.None);
        jobs.CabinetIds.Should().Contain(cabinetId);

        // On the real clock the cabinet's last sync is a day in the future: the worker's own probe finds nothing to do.
        probe.HasWork().Should().BeFalse();
    }

    [Fact]
    public void A_polling_interval_longer_than_the_fan_outs_period_stops_the_start()
    {
        var settings = new Dictionary<string, string?>(WbFixture.Settings(wb))
        {
            ["Wildberries:SyncIntervalSeconds"] = "100", ["Hangfire:SchedulePollingIntervalSeconds"] = "30",
        };
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        using var provider = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging().AddWildberries().BuildServiceProvider();

        var validate = () => provider.GetRequiredService<IStartupValidator>().Validate();

        validate.Should().Throw<OptionsValidationException>().Which.Message.Should().Contain("SchedulePollingIntervalSeconds").And.Contain("20 s");
        settings["Hangfire:SchedulePollingIntervalSeconds"] = "15";
        using var fine = new ServiceCollection().AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())
            .AddLogging().AddWildberries().BuildServiceProvider();
        fine.GetRequiredService<IStartupValidator>().Validate();
    }

    /// <summary>Records what the fan-out queues instead of queueing it.</summary>
    private sealed class RecordingJobClient : IBackgroundJobClient
    {
        private readonly ConcurrentQueue<long> cabinetIds = new();

        public IReadOnlyList<long> CabinetIds => [.. cabinetIds];

        public string Create(Job job, IState state)
        {
            if (job.Args.FirstOrDefault() is long id) cabinetIds.Enqueue(id);
            return Guid.NewGuid().ToString();
        }

        public bool ChangeState(string jobId, IState state, string expectedState) => true;
    }
}
