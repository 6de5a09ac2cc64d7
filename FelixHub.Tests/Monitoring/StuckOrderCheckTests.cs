using FelixHub.Core.Delivery;
using FelixHub.Core.OrderNotifications;
using FelixHub.Tests.Infrastructure;
using FelixHub.Tests.Orders;
using Hangfire;
using Hangfire.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace FelixHub.Tests.Monitoring;

public sealed class StuckOrderFixture : WorkerFixture
{
    public const string AdminA = "900001";
    public const string AdminB = "900002";

    public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);

    protected override IDictionary<string, string?> Overrides => new Dictionary<string, string?>
    {
        ["Notifications:AdminChatIds:0"] = AdminA,
        ["Notifications:AdminChatIds:1"] = AdminB,
    };

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<TimeProvider>(Time);
}

public sealed class StuckOrderCheckTests(StuckOrderFixture fixture) : IClassFixture<StuckOrderFixture>
{
    private Task RunCheckAsync() => fixture.Worker.InScopeAsync(async sp =>
    {
        await sp.GetRequiredService<StuckOrderCheckJob>().ExecuteAsync(CancellationToken.None);
        return 0;
    });

    [Fact]
    public async Task A_stuck_order_is_reported_to_each_admin_once_a_day_however_often_the_check_runs()
    {
        var worker = fixture.Worker;
        var telegram = fixture.Telegram;
        // An admin is alerted once per calendar day (UTC): start at 08:00 the next day, so the checks
        // below (25 and 26 hours later) fall on one day whatever the hour the test runs at.
        var now = fixture.Time.GetUtcNow();
        fixture.Time.Advance(new DateTimeOffset(now.UtcDateTime.Date.AddDays(1).AddHours(8), TimeSpan.Zero) - now);
        var stuck = await worker.CreateOrderAsync(mechanicId: null, carNumber: "STUCK1");
        var fresh = await worker.CreateOrderAsync(mechanicId: null, carNumber: "FRESH1");
        fixture.Time.Advance(TimeSpan.FromHours(20));
        var younger = await worker.CreateOrderAsync(mechanicId: null, carNumber: "YOUNG1");
        await worker.ChangeStatusAsync(fresh.Id, Core.Orders.OrderStatus.InProgress);
        fixture.Time.Advance(TimeSpan.FromHours(5)); // the first order is 25 h old, the younger one 5 h

        await RunCheckAsync();
        await RunCheckAsync();
        fixture.Time.Advance(TimeSpan.FromHours(1));
        await RunCheckAsync();

        await Eventually.Until(() => telegram.Delivered.Count(c => c.Text!.Contains("завис")) >= 2, "the alerts");
        await Task.Delay(500);
        var alerts = telegram.Delivered.Where(c => c.Text!.Contains("завис")).ToList();
        alerts.Select(a => a.ChatId).Should().BeEquivalentTo([StuckOrderFixture.AdminA, StuckOrderFixture.AdminB]);
        alerts.Should().OnlyContain(a => a.Text!.Contains($"Заказ #{stuck.Id}") && a.Text.Contains("STUCK1"));
        alerts.Should().NotContain(a => a.Text!.Contains("FRESH1") || a.Text.Contains("YOUNG1"));

        fixture.Time.Advance(TimeSpan.FromDays(1));
        await RunCheckAsync();
        await Eventually.Until(() => telegram.Delivered.Count(c => c.Text!.Contains($"Заказ #{stuck.Id} завис")) >= 4, "the next day's alerts");
        await Task.Delay(500);
        telegram.Delivered.Count(c => c.Text!.Contains($"Заказ #{stuck.Id} завис")).Should().Be(4, "the next day each admin is reminded again");
        var logs = new List<NotificationLog>();
        await Eventually.Until(async () =>
        {
            logs = await worker.DbAsync(db => db.NotificationLogs.Where(l => l.NotificationType == StuckOrderCheckJob.NotificationType && l.OrderId == stuck.Id).ToListAsync());
            return logs.Count >= 4;
        }, "the alerts' log rows");
        logs.Should().HaveCount(4).And.OnlyContain(l => l.Success);
    }

    [Fact]
    public void The_check_is_registered_as_an_hourly_recurring_job()
    {
        using var connection = fixture.Worker.Services.GetRequiredService<JobStorage>().GetConnection();
        var job = connection.GetRecurringJobs().Should().ContainSingle(j => j.Id == StuckOrderCheckJob.RecurringJobId).Subject;
        job.Cron.Should().Be("0 * * * *");
    }
}
