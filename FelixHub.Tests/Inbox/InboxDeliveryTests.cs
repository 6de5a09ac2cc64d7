using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using FelixHub.Core.Inbox;
using FelixHub.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace FelixHub.Tests.Inbox;

/// <summary>Seed 002 end to end: API → saved with its NOTIFY → this host's sockets.</summary>
public sealed class InboxDeliveryTests(InboxFixture fixture) : IClassFixture<InboxFixture>, IAsyncLifetime
{
    private readonly TestWorker worker = fixture.Worker;

    public Task InitializeAsync() => worker.UntilListeningAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task An_update_reaches_every_socket_of_each_recipient_and_no_other_user()
    {
        var technician = InboxApiClient.NewUser();
        var bystander = InboxApiClient.NewUser();
        await using var phone = await worker.OpenSocketAsync(technician);
        await using var tablet = await worker.OpenSocketAsync(technician);
        await using var office = await worker.OpenSocketAsync(InboxFixture.Office1);
        await using var other = await worker.OpenSocketAsync(bystander);
        var officeUnreadBefore = office.LastUnreadCount!.Value;
        var workOrder = await worker.CreateWorkOrderAsync();

        var answer = await worker.UpdateAsync(workOrder, new { status = "in_progress", notes = "Pump replaced", issues = "Leak at <valve> & \"seal\"", alertOffice = true, technicianId = technician });

        answer.Notifications.Select(n => n.Type).Should().Equal("status_update", "issue_detected", "office_alert");
        await phone.WaitForNotificationsAsync(2);
        await tablet.WaitForNotificationsAsync(2);
        await office.WaitForNotificationsAsync(3);
        await Task.Delay(700);

        foreach (var socket in new[] { phone, tablet })
        {
            socket.Notifications.Select(n => n["type"]!.GetValue<string>()).Should().Equal("status_update", "issue_detected");
            socket.Events.Skip(1).Select(e => e["data"]!["unread_count"]!.GetValue<int>()).Should().Equal(1, 2);
        }
        office.Notifications.Select(n => n["type"]!.GetValue<string>()).Should().Equal("status_update", "issue_detected", "office_alert");
        office.LastUnreadCount.Should().Be(officeUnreadBefore + 3);
        other.Notifications.Should().BeEmpty("a socket sees only its own user's events");
        other.Events.Should().HaveCount(1, "only the unread count on connect");

        var status = phone.Events[1];
        status["type"]!.GetValue<string>().Should().Be("dashboard.notification.update");
        var notification = status["data"]!["notification"]!.AsObject();
        notification.Select(p => p.Key).Should().BeEquivalentTo(["id", "type", "message", "priority", "metadata", "timestamp", "read"]);
        notification["id"]!.GetValue<string>().Should().Be(answer.Notifications[0].Id.ToString());
        notification["message"]!.GetValue<string>().Should().Be($"Work order {workOrder} status updated to: in_progress");
        notification["priority"]!.GetValue<int>().Should().Be(1);
        notification["read"]!.GetValue<bool>().Should().BeFalse();
        DateTimeOffset.Parse(notification["timestamp"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture)
            .Should().BeCloseTo(DateTimeOffset.UtcNow, TimeSpan.FromMinutes(1));
        JsonNode.DeepEquals(notification["metadata"], JsonNode.Parse($$"""{"work_order_id":{{workOrder}},"status":"in_progress","notes":"Pump replaced"}""")).Should().BeTrue();

        var issue = phone.Notifications[1];
        issue["priority"]!.GetValue<int>().Should().Be(2);
        issue["message"]!.GetValue<string>().Should().Be($"Issue reported for work order {workOrder}: Leak at <valve> & \"seal\"");
        issue["metadata"]!["issue_description"]!.GetValue<string>().Should().Be("Leak at <valve> & \"seal\"");
        var alert = office.Notifications[2];
        alert["priority"]!.GetValue<int>().Should().Be(3);
        alert["message"]!.GetValue<string>().Should().Be($"Office alert requested for work order {workOrder}");
        alert["metadata"]!["issues"]!.GetValue<string>().Should().Be("Leak at <valve> & \"seal\"");
    }

    [Fact]
    public async Task Without_issues_or_alert_an_update_is_one_status_notification_for_the_office()
    {
        await using var office = await worker.OpenSocketAsync(InboxFixture.Office2);
        var workOrder = await worker.CreateWorkOrderAsync();

        var answer = await worker.UpdateAsync(workOrder, new { status = "done", issues = "   " });

        answer.Notifications.Should().ContainSingle().Which.Recipients.Should().BeEquivalentTo(InboxFixture.Office1, InboxFixture.Office2);
        await office.WaitForNotificationsAsync(1);
        await Task.Delay(500);
        office.Notifications.Should().ContainSingle().Which["type"]!.GetValue<string>().Should().Be("status_update");
    }

    [Fact]
    public async Task Marking_read_pushes_the_new_unread_count_to_every_socket_of_that_user_only()
    {
        var technician = InboxApiClient.NewUser();
        await using var phone = await worker.OpenSocketAsync(technician);
        await using var tablet = await worker.OpenSocketAsync(technician);
        await using var office = await worker.OpenSocketAsync(InboxFixture.Office1);
        var answer = await worker.UpdateAsync(await worker.CreateWorkOrderAsync(), new { status = "paused", issues = "No parts", technicianId = technician });
        await phone.WaitForNotificationsAsync(2);
        await tablet.WaitForNotificationsAsync(2);
        await office.WaitForNotificationsAsync(2);
        var officeEvents = office.Events.Count;
        var read = answer.Notifications[0].Id;

        var unread = await worker.MarkReadAsync(read, technician);

        unread.Should().Be(1);
        foreach (var socket in new[] { phone, tablet })
        {
            await socket.WaitForAsync(e => e["data"]!["read_notification_id"]?.GetValue<string>() == read.ToString(), "the read event");
            var last = socket.Events[^1]["data"]!.AsObject();
            last["unread_count"]!.GetValue<int>().Should().Be(1);
            last["notification"].Should().BeNull("the technician app appends data.notification; a read must not add one");
        }
        await Task.Delay(500);
        office.Events.Should().HaveCount(officeEvents, "the office user read nothing");

        (await worker.MarkReadAsync(read, technician)).Should().Be(1, "reading twice is harmless");
        await Task.Delay(500);
        phone.Events.Count(e => e["data"]!["read_notification_id"] is not null).Should().Be(1, "nothing changed, nothing pushed");

        var inbox = await worker.InboxAsync(technician);
        inbox.UnreadCount.Should().Be(1);
        inbox.Items.Single(i => i.Id == read).Read.Should().BeTrue();
        (await worker.InboxAsync(InboxFixture.Office1)).Items.Single(i => i.Id == read).Read.Should().BeFalse("read state is per recipient");
    }

    [Fact]
    public async Task A_user_who_was_offline_finds_everything_in_the_inbox_and_gets_the_unread_count_on_connect()
    {
        var technician = InboxApiClient.NewUser();
        var workOrder = await worker.CreateWorkOrderAsync();
        var first = await worker.UpdateAsync(workOrder, new { status = "started", technicianId = technician });
        var second = await worker.UpdateAsync(workOrder, new { status = "stuck", issues = "Broken bolt", technicianId = technician });
        var ids = first.Notifications.Concat(second.Notifications).Select(n => n.Id).ToList();
        await Eventually.Until(async () => await worker.DbAsync(db => db.Set<InboxNotification>().CountAsync(n => ids.Contains(n.Id) && n.PushedAt != null)) == 3,
            "the pushes, to nobody online");

        var inbox = await worker.InboxAsync(technician);

        inbox.UnreadCount.Should().Be(3);
        inbox.Items.Select(i => i.Type).Should().Equal("issue_detected", "status_update", "status_update");
        inbox.Items.Should().OnlyContain(i => !i.Read && i.WorkOrderId == workOrder && i.ReadAt == null);
        inbox.Items[0].Metadata!["issue_description"]!.GetValue<string>().Should().Be("Broken bolt");

        await using var socket = await worker.OpenSocketAsync(technician);
        socket.Events.Should().ContainSingle();
        socket.LastUnreadCount.Should().Be(3);

        await worker.MarkReadAsync(ids[0], technician);
        (await worker.InboxAsync(technician, unreadOnly: true)).Items.Select(i => i.Id).Should().BeEquivalentTo(ids.Skip(1));
    }

    [Fact]
    public async Task Sockets_opened_all_at_once_each_get_their_own_users_unread_count_first()
    {
        // Users with 0 to 4 unread notifications, 3 sockets each, all opened together: the new sockets' counts
        // are read together, and each socket must still get its own user's count.
        var users = Enumerable.Range(0, 5).Select(_ => InboxApiClient.NewUser()).ToList();
        var workOrder = await worker.CreateWorkOrderAsync();
        for (var u = 0; u < users.Count; u++)
            for (var n = 0; n < u; n++)
                await worker.UpdateAsync(workOrder, new { status = $"step {n}", technicianId = users[u] });

        var sockets = await Task.WhenAll(users.SelectMany(user => Enumerable.Range(0, 3).Select(_ => worker.OpenSocketAsync(user))));
        try
        {
            foreach (var socket in sockets)
                socket.Events[0]["data"]!["unread_count"]!.GetValue<int>().Should().Be(users.IndexOf(socket.UserId), $"{socket.UserId} has that many unread");
        }
        finally
        {
            foreach (var socket in sockets) await socket.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_manual_notification_goes_to_its_technician_only_with_the_priority_mapped()
    {
        var technician = InboxApiClient.NewUser();
        await using var socket = await worker.OpenSocketAsync(technician);
        await using var office = await worker.OpenSocketAsync(InboxFixture.Office1);
        var workOrder = await worker.CreateWorkOrderAsync();

        var response = await worker.Http.PostAsJsonAsync("/api/manual-notifications", new { technicianId = technician, workOrderId = workOrder, message = "Call the customer", priority = "HIGH" });

        response.StatusCode.Should().Be(HttpStatusCode.Created);
        var created = (await response.Content.ReadFromJsonAsync<CreatedNotificationResponse>())!;
        created.Type.Should().Be("work_order_update");
        created.Priority.Should().Be(2);
        created.Recipients.Should().Equal(technician);
        await socket.WaitForNotificationsAsync(1);
        var notification = socket.Notifications.Single();
        notification["message"]!.GetValue<string>().Should().Be("Call the customer");
        notification["priority"]!.GetValue<int>().Should().Be(2);
        notification["metadata"]!["priority"]!.GetValue<string>().Should().Be("high");
        notification["metadata"]!["work_order_id"]!.GetValue<int>().Should().Be(workOrder);
        await Task.Delay(500);
        office.Notifications.Should().BeEmpty();
    }

    [Fact]
    public async Task A_numeric_technician_id_is_that_users_id_and_priority_defaults_to_normal()
    {
        await using var socket = await worker.OpenSocketAsync("4242");
        var workOrder = await worker.CreateWorkOrderAsync();

        var response = await worker.Http.PostAsJsonAsync("/api/manual-notifications", new { technicianId = 4242, workOrderId = workOrder, message = "Hi" });

        response.StatusCode.Should().Be(HttpStatusCode.Created);
        await socket.WaitForNotificationsAsync(1);
        socket.Notifications.Single()["priority"]!.GetValue<int>().Should().Be(1);
    }

    [Fact]
    public async Task A_push_job_queued_by_an_earlier_release_pushes_nothing_twice()
    {
        var technician = InboxApiClient.NewUser();
        await using var socket = await worker.OpenSocketAsync(technician);
        var answer = await worker.UpdateAsync(await worker.CreateWorkOrderAsync(), new { status = "x", technicianId = technician });
        await socket.WaitForNotificationsAsync(1);

        await worker.InScopeAsync(async sp =>
        {
            var job = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<InboxPushJob>(sp);
            await job.ExecuteAsync([answer.Notifications[0].Id], CancellationToken.None);
            return 0;
        });

        await Task.Delay(700);
        socket.Notifications.Should().ContainSingle();
    }

    [Fact]
    public async Task A_client_that_vanishes_is_removed_and_its_user_still_gets_events_on_other_sockets()
    {
        var technician = InboxApiClient.NewUser();
        var hub = worker.Services.GetHub();
        await using var alive = await worker.OpenSocketAsync(technician);
        var broken = await worker.OpenSocketAsync(technician);
        var silent = await worker.OpenSocketAsync(technician, read: false);
        hub.ConnectionCount(technician).Should().Be(3);

        broken.Socket.Abort();
        await Eventually.Until(() => hub.ConnectionCount(technician) == 2, "the broken socket removed");
        await Eventually.Until(() => hub.ConnectionCount(technician) == 1, "the socket that answers no ping removed", TimeSpan.FromSeconds(10));
        await Eventually.Until(() => worker.Logs.Containing("connection lost").Count(e => e.Property("userId") == technician) == 2, "two removals logged");

        await worker.UpdateAsync(await worker.CreateWorkOrderAsync(), new { status = "y", technicianId = technician });
        await alive.WaitForNotificationsAsync(1);
        broken.Socket.Dispose();
        silent.Socket.Dispose();
    }

    [Fact]
    public async Task The_backplane_reconnects_after_its_connection_is_killed_and_resends_unread_counts()
    {
        var technician = InboxApiClient.NewUser();
        await using var socket = await worker.OpenSocketAsync(technician);
        var events = socket.Events.Count;

        await using (var admin = new Npgsql.NpgsqlConnection(worker.ConnectionString))
        {
            await admin.OpenAsync();
            await using var kill = new Npgsql.NpgsqlCommand(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = @app AND datname = current_database()", admin);
            kill.Parameters.AddWithValue("app", InboxListener.ApplicationName);
            ((long)(await kill.ExecuteScalarAsync())!).Should().Be(1);
        }

        await Eventually.Until(() => worker.Logs.Containing("listening again").Any(), "the backplane back");
        await socket.WaitForAsync(_ => socket.Events.Count > events, "the unread count resent after the reconnect");
        await worker.UpdateAsync(await worker.CreateWorkOrderAsync(), new { status = "z", technicianId = technician });
        await socket.WaitForNotificationsAsync(1);
    }
}
