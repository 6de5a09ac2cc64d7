using FelixHub.Core.Inbox;
using FelixHub.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace FelixHub.Tests.Inbox;

/// <summary>
/// Two workers on ONE database, as two replicas: a socket lives on one, the request lands on the
/// other. Replica A runs the Hangfire server; B serves only HTTP and sockets. A request's push leaves
/// from the replica that took it, so only the backplane can bring its event to the other's sockets.
/// </summary>
public sealed class InboxReplicaTests : IAsyncLifetime
{
    private const string Office = "replica-office";
    private TestWorker a = null!;
    private TestWorker b = null!;

    public async Task InitializeAsync()
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        a = await TestWorker.StartAsync(database, telegram: null, InboxApiClient.Settings(Office));
        b = await TestWorker.StartAsync(database, telegram: null, new Dictionary<string, string?>(InboxApiClient.Settings(Office))
        {
            ["Hangfire:ServerEnabled"] = "false",
        });
        await a.UntilListeningAsync();
        await b.UntilListeningAsync();
    }

    public async Task DisposeAsync()
    {
        await b.DisposeAsync();
        await a.DisposeAsync();
        await PostgresServer.DropDatabaseAsync(a.ConnectionString);
    }

    [Fact]
    public async Task An_update_posted_to_one_replica_reaches_sockets_on_both_and_a_read_on_either_updates_all()
    {
        var technician = InboxApiClient.NewUser();
        await using var onB = await b.OpenSocketAsync(technician);
        await using var alsoOnA = await a.OpenSocketAsync(technician);
        await using var officeOnB = await b.OpenSocketAsync(Office);
        await using var strangerOnB = await b.OpenSocketAsync(InboxApiClient.NewUser());

        var answer = await a.UpdateAsync(await a.CreateWorkOrderAsync(), new { status = "on site", issues = "Rust", technicianId = technician });

        await onB.WaitForNotificationsAsync(2);
        await alsoOnA.WaitForNotificationsAsync(2);
        await officeOnB.WaitForNotificationsAsync(2);
        onB.Notifications.Select(n => n["id"]!.GetValue<string>()).Should().Equal(answer.Notifications.Select(n => n.Id.ToString()));
        onB.LastUnreadCount.Should().Be(2);

        (await a.MarkReadAsync(answer.Notifications[1].Id, technician)).Should().Be(1);
        await onB.WaitForAsync(e => e["data"]!["read_notification_id"] is not null, "the read, on the other replica");
        await alsoOnA.WaitForAsync(e => e["data"]!["read_notification_id"] is not null, "the read, on this replica");
        onB.LastUnreadCount.Should().Be(1);

        (await b.InboxAsync(technician)).UnreadCount.Should().Be(1);
        await Task.Delay(500);
        strangerOnB.Notifications.Should().BeEmpty();
        officeOnB.Events.Should().NotContain(e => e["data"]!["read_notification_id"] != null);
        a.Logs.Containing("Pushed").Should().NotBeEmpty("the replica that took the request pushed it");
        b.Logs.Containing("Pushed").Should().BeEmpty("B only relayed the backplane's event to its sockets");
    }

    [Fact]
    public async Task Stopping_a_replica_closes_its_sockets_as_going_away_at_once()
    {
        var c = await TestWorker.StartAsync(a.ConnectionString, telegram: null, InboxApiClient.Settings(Office));
        await using var socket = await c.OpenSocketAsync(InboxApiClient.NewUser());
        var clock = System.Diagnostics.Stopwatch.StartNew();

        await c.DisposeAsync();

        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(4), "an open socket must not hold the shutdown");
        await Eventually.Until(() => socket.Closed, "the socket closed");
        socket.Socket.CloseStatus.Should().Be(System.Net.WebSockets.WebSocketCloseStatus.EndpointUnavailable, "the seed's front ends reconnect, to another replica");
    }

    [Fact]
    public async Task A_long_recipient_list_crosses_replicas_in_several_NOTIFYs()
    {
        // 150 office users of 60 characters: about 10 KB of ids, more than one NOTIFY payload can hold.
        var office = Enumerable.Range(0, 150).Select(i => $"office-{i:D3}-" + new string('o', 50)).ToArray();
        var database = await PostgresServer.CreateDatabaseAsync();
        await using var c = await TestWorker.StartAsync(database, telegram: null, InboxApiClient.Settings(office));
        await using var d = await TestWorker.StartAsync(database, telegram: null, new Dictionary<string, string?>(InboxApiClient.Settings(office)) { ["Hangfire:ServerEnabled"] = "false" });
        await c.UntilListeningAsync();
        await d.UntilListeningAsync();
        await using var first = await d.OpenSocketAsync(office[0]);
        await using var last = await d.OpenSocketAsync(office[^1]);

        await c.UpdateAsync(await c.CreateWorkOrderAsync(), new { status = "many" });

        await first.WaitForNotificationsAsync(1);
        await last.WaitForNotificationsAsync(1);
        await Eventually.Until(() => c.Logs.Containing("Pushed 1 notification(s) for 150 user(s)").Any(e => e.Property("Payloads") is "2" or "3"), "the push in several payloads");
    }

    [Fact]
    public async Task A_notification_is_pushed_with_its_commit_even_when_no_replica_runs_jobs()
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        await using var httpOnly = await TestWorker.StartAsync(database, telegram: null, new Dictionary<string, string?>(InboxApiClient.Settings(Office))
        {
            ["Hangfire:ServerEnabled"] = "false",
        });
        await httpOnly.UntilListeningAsync();
        var technician = InboxApiClient.NewUser();
        await using var socket = await httpOnly.OpenSocketAsync(technician);

        var answer = await httpOnly.UpdateAsync(await httpOnly.CreateWorkOrderAsync(), new { status = "on site", technicianId = technician });

        await socket.WaitForNotificationsAsync(1);
        socket.Notifications.Single()["id"]!.GetValue<string>().Should().Be(answer.Notifications[0].Id.ToString());
        (await httpOnly.JobsOfTypeAsync("InboxPushJob")).Should().Be(0, "no job stands between the API and the sockets");
        var id = answer.Notifications[0].Id;
        (await httpOnly.DbAsync(db => db.Set<InboxNotification>().CountAsync(n => n.Id == id && n.PushedAt != null)))
            .Should().Be(1, "the row is marked pushed in the transaction that saved it");
    }
}
