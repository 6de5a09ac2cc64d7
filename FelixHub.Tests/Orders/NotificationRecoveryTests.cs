using FelixHub.Core.Orders;
using FelixHub.Tests.Infrastructure;
using FelixHub.Tests.Reliability;
using Hangfire;
using Hangfire.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace FelixHub.Tests.Orders;

public sealed class RecoveryFixture : WorkerFixture
{
    protected override IDictionary<string, string?> Overrides => new Dictionary<string, string?>
    {
        ["Notifications:RecoveryCron"] = "*/1 * * * * *",
        ["Notifications:RecoveryGraceSeconds"] = "2",
    };
}

/// <summary>The safety net of "commit, then enqueue": a status change whose enqueue was lost is notified by the recovery job, once.</summary>
public sealed class NotificationRecoveryTests(RecoveryFixture fixture) : IClassFixture<RecoveryFixture>
{
    [Fact]
    public async Task A_status_change_left_pending_is_enqueued_by_the_recovery_job_and_notified_once()
    {
        var (worker, telegram) = (fixture.Worker, fixture.Telegram);
        var chat = TestWorker.NewChatId();
        var order = await worker.CreateOrderAsync((await worker.CreateMechanicAsync(chat)).Id);
        // What a lost enqueue leaves: the change committed, its notification still pending.
        await MechanicMessages.ExecuteAsync(worker.ConnectionString, $"""
            UPDATE orders SET status = 'готов' WHERE id = {order.Id};
            INSERT INTO order_status_changes (order_id, old_status, new_status, changed_at, notification_pending)
            VALUES ({order.Id}, 'новый', 'готов', now() - interval '5 seconds', true);
            """);

        await Eventually.Until(() => telegram.Delivered.Any(d => d.ChatId == chat), "the recovered notification", TimeSpan.FromSeconds(30));
        await Task.Delay(TimeSpan.FromSeconds(3)); // a few more recovery runs

        telegram.Delivered.Where(d => d.ChatId == chat).Should().ContainSingle().Which.Text.Should().Contain("Было: новый\nСтало: готов");
        (await MechanicMessages.ScalarAsync(worker.ConnectionString, $"SELECT count(*) FROM order_status_changes WHERE order_id = {order.Id} AND notification_pending"))
            .Should().Be(0);
        worker.Logs.Containing("whose enqueue was lost").Should().NotBeEmpty();
    }

    [Fact]
    public async Task A_status_change_made_through_the_API_is_not_left_pending_and_is_sent_once()
    {
        var (worker, telegram) = (fixture.Worker, fixture.Telegram);
        var chat = TestWorker.NewChatId();
        var order = await worker.CreateOrderAsync((await worker.CreateMechanicAsync(chat)).Id);

        await worker.ChangeStatusAsync(order.Id, OrderStatus.InProgress);

        await Eventually.Until(() => telegram.Delivered.Any(d => d.ChatId == chat), "the notification");
        (await MechanicMessages.ScalarAsync(worker.ConnectionString, $"SELECT count(*) FROM order_status_changes WHERE order_id = {order.Id} AND notification_pending"))
            .Should().Be(0, "the API clears the mark once the job is enqueued");
        await Task.Delay(TimeSpan.FromSeconds(4)); // past the grace period and several recovery runs
        telegram.Calls.Count(d => d.ChatId == chat).Should().Be(1);
    }

    [Fact]
    public async Task Ticks_with_nothing_pending_create_no_Hangfire_runs()
    {
        var worker = fixture.Worker;
        await Eventually.Until(async () => await MechanicMessages.ScalarAsync(worker.ConnectionString,
            "SELECT count(*) FROM order_status_changes WHERE notification_pending") == 0, "no change pending");
        DateTime? LastTick()
        {
            using var connection = worker.Services.GetRequiredService<JobStorage>().GetConnection();
            return connection.GetRecurringJobs().Single(j => j.Id == MechanicNotificationRecoveryJob.RecurringJobId).LastExecution;
        }
        var runsBefore = await worker.JobsOfTypeAsync(nameof(MechanicNotificationRecoveryJob));
        var tickBefore = LastTick();

        await Task.Delay(TimeSpan.FromSeconds(3.5)); // three ticks of the every-second schedule

        LastTick().Should().BeAfter(tickBefore ?? DateTime.MinValue, "the schedule kept ticking");
        (await worker.JobsOfTypeAsync(nameof(MechanicNotificationRecoveryJob))).Should().Be(runsBefore,
            "a tick with nothing to do costs one indexed query, not a Hangfire run");
    }
}
