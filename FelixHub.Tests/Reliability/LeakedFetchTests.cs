using FelixHub.Core.Orders;
using FelixHub.Tests.Infrastructure;
using FelixHub.Tests.Orders;

namespace FelixHub.Tests.Reliability;

/// <summary>
/// A job a worker fetched but never started (seen under the 20,000-message benchmark: its queue row
/// stayed fetched, refreshed by the sliding-invisibility heartbeat, so it would never have run).
/// </summary>
public sealed class LeakedFetchTests
{
    [Fact]
    public async Task A_job_fetched_but_never_started_is_put_back_in_the_queue_and_its_message_sent()
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        await using var telegram = await FakeTelegramServer.StartAsync();
        var chat = TestWorker.NewChatId();

        // A status change whose job is enqueued (no server in this process yet)...
        await using (var api = await TestWorker.StartAsync(database, telegram, new Dictionary<string, string?> { ["Hangfire:ServerEnabled"] = "false" }))
        {
            var order = await api.CreateOrderAsync((await api.CreateMechanicAsync(chat)).Id);
            await api.ChangeStatusAsync(order.Id, OrderStatus.InProgress);
        }
        // ...then fetched by a worker that lost it: the row is marked fetched (its heartbeat refreshed
        // it 20 s ago) and the job is still Enqueued, three minutes after it was enqueued.
        await MechanicMessages.ExecuteAsync(database, """
            UPDATE hangfire.jobqueue SET fetchedat = now() - interval '20 seconds';
            UPDATE hangfire.state SET createdat = now() - interval '3 minutes' WHERE name = 'Enqueued';
            """);
        (await MechanicMessages.ScalarAsync(database, "SELECT count(*) FROM hangfire.jobqueue WHERE fetchedat IS NOT NULL")).Should().Be(1);

        await using var worker = await TestWorker.StartAsync(database, telegram, new Dictionary<string, string?>
        {
            ["Hangfire:LeakedFetchAfterSeconds"] = "4",
        });

        // Without the watchdog the row stays invisible for the 5-minute invisibility timeout, for ever
        // while a lost heartbeat keeps refreshing it.
        await Eventually.Until(() => telegram.Delivered.Any(d => d.ChatId == chat), "the notification", TimeSpan.FromSeconds(30));
        worker.Logs.Containing("was fetched but never started").Should().ContainSingle();
        telegram.Calls.Count(c => c.ChatId == chat).Should().Be(1);
        await PostgresServer.DropDatabaseAsync(database);
    }

    [Fact]
    public async Task A_job_being_worked_on_is_left_alone()
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        await using var telegram = await FakeTelegramServer.StartAsync();
        telegram.Respond(_ => new FakeReply(200, Delay: TimeSpan.FromSeconds(3)));
        await using var worker = await TestWorker.StartAsync(database, telegram, new Dictionary<string, string?>
        {
            ["Hangfire:LeakedFetchAfterSeconds"] = "1",
            ["Hangfire:LeakedFetchMinAgeSeconds"] = "1",
        });
        var chat = TestWorker.NewChatId();
        var order = await worker.CreateOrderAsync((await worker.CreateMechanicAsync(chat)).Id);

        await worker.ChangeStatusAsync(order.Id, OrderStatus.InProgress);

        await Eventually.Until(() => telegram.Delivered.Any(d => d.ChatId == chat), "the slow send", TimeSpan.FromSeconds(30));
        await Task.Delay(TimeSpan.FromSeconds(2));
        worker.Logs.Containing("was fetched but never started").Should().BeEmpty("a job in Processing is not a lost fetch");
        telegram.Calls.Count(c => c.ChatId == chat).Should().Be(1);
        await PostgresServer.DropDatabaseAsync(database);
    }
}
