using FelixHub.Core.Bookings;
using FelixHub.Core.Delivery;
using FelixHub.Tests.Infrastructure;
using Hangfire;
using Hangfire.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace FelixHub.Tests.Bookings;

/// <summary>
/// The worker as deployed: the Hangfire server on, the default cron (every minute), a fake clock — with
/// the due-time waker off, so that what is tested is the recurring job, the safety net that sends on its own.
/// </summary>
public sealed class RecurringBookingFixture : BookingFixture
{
    protected override IDictionary<string, string?> Overrides => new Dictionary<string, string?>
    {
        ["Telegram:MaxRetryAttempts"] = "0",
        ["Delivery:WakerEnabled"] = "false",
    };
}

public sealed class BookingRecurringJobTests(RecurringBookingFixture fixture) : IClassFixture<RecurringBookingFixture>, IAsyncLifetime
{
    private readonly TestWorker worker = fixture.Worker;

    public Task InitializeAsync() => fixture.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private JobStorage Storage => worker.Services.GetRequiredService<JobStorage>();

    private RecurringJobDto DispatchJob()
    {
        using var connection = Storage.GetConnection();
        return connection.GetRecurringJobs().Single(j => j.Id == DeliveryDispatchJob.RecurringJobId);
    }

    /// <summary>A tick of the recurring job (the scheduler's, or the dashboard's «Trigger now»): the id of the run it created, if any.</summary>
    private string? Tick()
    {
        var manager = (IRecurringJobManagerV2)worker.Services.GetRequiredService<IRecurringJobManager>();
        return manager.TriggerJob(DeliveryDispatchJob.RecurringJobId);
    }

    /// <summary>A tick that has work to do; waits until its run succeeded.</summary>
    private async Task<string> TriggerAndWaitAsync()
    {
        var jobId = Tick();
        jobId.Should().NotBeNull("a reminder is due, so the tick creates a run");
        await Eventually.Until(() =>
        {
            var states = Storage.GetMonitoringApi().JobDetails(jobId).History.Select(h => h.StateName).ToList();
            states.Should().NotContain("Failed");
            return states.Contains("Succeeded");
        }, $"run {jobId} of the dispatch job to succeed");
        return jobId!;
    }

    [Fact]
    public void The_dispatch_job_is_registered_as_a_recurring_job_every_minute_in_UTC()
    {
        var job = DispatchJob();

        job.Cron.Should().Be("* * * * *");
        job.TimeZoneId.Should().Be("UTC");
        job.Job.Type.Should().Be(typeof(DeliveryDispatchJob));
        job.Job.Method.Name.Should().Be(nameof(DeliveryDispatchJob.ExecuteAsync));
        job.LoadException.Should().BeNull();
    }

    [Fact]
    public async Task A_booking_61_minutes_ahead_gets_its_1h_reminder_at_the_right_minute_from_a_succeeded_run()
    {
        var chatId = TestWorker.NewChatId();
        var user = await worker.CreateUserAsync(chatId);
        var start = fixture.Now.AddMinutes(61);
        var booking = await worker.CreateBookingAsync(user.Id, start, start.AddHours(1));
        (await worker.ReminderAsync(booking.Id, BookingNotificationTypeCodes.Booking1H)).ScheduledAt.Should().Be(start.AddHours(-1));

        // Nothing due yet: the ticks ask the database (on the worker's clock) and create no Hangfire run.
        Tick().Should().BeNull("nothing is due, so the tick creates no run");
        fixture.Clock.Advance(TimeSpan.FromSeconds(59));
        Tick().Should().BeNull("the reminder is still a second away");
        fixture.Telegram.Calls.Where(c => c.ChatId == chatId).Should().BeEmpty("the reminder is a minute away");
        worker.Logs.Containing("nothing to do, this tick creates no run").Should().NotBeEmpty();

        fixture.Clock.Advance(TimeSpan.FromSeconds(1));
        var jobId = await TriggerAndWaitAsync();

        await Eventually.Until(() => fixture.Telegram.Delivered.Any(c => c.ChatId == chatId), "the 1 h reminder");
        var delivered = fixture.Telegram.Delivered.Where(c => c.ChatId == chatId).Should().ContainSingle().Subject;
        delivered.Text.Should().Contain("Через 1 час начинается ваше бронирование.");
        var reminder = await worker.ReminderAsync(booking.Id, BookingNotificationTypeCodes.Booking1H);
        reminder.Status.Should().Be(BookingNotificationStatusCodes.Sent);
        reminder.SentAt.Should().Be(start.AddHours(-1));

        var succeeded = Storage.GetMonitoringApi().SucceededJobs(0, 50).Select(j => j.Key).ToList();
        succeeded.Should().Contain(jobId, "the run shows on the dashboard's Succeeded page");
        DispatchJob().LastJobId.Should().NotBeNull();
    }
}
