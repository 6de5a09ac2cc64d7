using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using FelixHub.Core.Inbox;
using FelixHub.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace FelixHub.Tests.Inbox;

/// <summary>Issue 24 §5, seed 002: equipment and inventory alerts reach sockets and the inbox like the other notifications.</summary>
public sealed class AlertTests(InboxFixture fixture) : IClassFixture<InboxFixture>, IAsyncLifetime
{
    private readonly TestWorker worker = fixture.Worker;

    public Task InitializeAsync() => worker.UntilListeningAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<HttpResponseMessage> PostRawAsync(string body)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        return await worker.Http.PostAsync("/api/alerts", content);
    }

    private Task<int> CountAsync() => worker.DbAsync(db => db.Set<InboxNotification>().CountAsync());

    [Fact]
    public async Task An_equipment_alert_reaches_the_named_users_and_the_office_on_their_sockets_and_in_their_inboxes()
    {
        var technician = InboxApiClient.NewUser();
        var bystander = InboxApiClient.NewUser();
        await using var phone = await worker.OpenSocketAsync(technician);
        await using var office = await worker.OpenSocketAsync(InboxFixture.Office2);
        await using var other = await worker.OpenSocketAsync(bystander);
        var workOrder = await worker.CreateWorkOrderAsync();

        var response = await PostRawAsync($$"""
            {"type":"equipment_alert","message":"Lift 2: hydraulic pressure low","priority":"urgent","workOrderId":{{workOrder}},"recipientIds":["{{technician}}"],"office":true}
            """);

        response.StatusCode.Should().Be(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var created = (await response.Content.ReadFromJsonAsync<CreatedNotificationResponse>())!;
        created.Should().BeEquivalentTo(new { Type = "equipment_alert", Message = "Lift 2: hydraulic pressure low", Priority = 3, WorkOrderId = workOrder });
        created.Recipients.Should().BeEquivalentTo(technician, InboxFixture.Office1, InboxFixture.Office2);

        await phone.WaitForNotificationsAsync(1);
        await office.WaitForNotificationsAsync(1);
        foreach (var socket in new[] { phone, office })
        {
            var notification = socket.Notifications.Single();
            notification["id"]!.GetValue<string>().Should().Be(created.Id.ToString());
            notification["type"]!.GetValue<string>().Should().Be("equipment_alert");
            notification["message"]!.GetValue<string>().Should().Be("Lift 2: hydraulic pressure low");
            notification["priority"]!.GetValue<int>().Should().Be(3);
            notification["metadata"]!["work_order_id"]!.GetValue<int>().Should().Be(workOrder);
        }
        await Task.Delay(500);
        other.Notifications.Should().BeEmpty("only the recipients hear of it");

        foreach (var user in new[] { technician, InboxFixture.Office1 })
        {
            var item = (await worker.InboxAsync(user)).Items.Single(i => i.Id == created.Id);
            item.Should().BeEquivalentTo(new { Type = "equipment_alert", Read = false, WorkOrderId = workOrder, Priority = 3 });
        }
        (await worker.InboxAsync(bystander)).Items.Should().BeEmpty();
    }

    [Fact]
    public async Task An_inventory_alert_may_name_its_recipients_only_as_integers_without_a_work_order()
    {
        await using var technician = await worker.OpenSocketAsync("4711");

        var response = await PostRawAsync("""{"type":"inventory_alert","message":"Oil filters: 2 left","recipientIds":[4711]}""");

        response.StatusCode.Should().Be(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var created = (await response.Content.ReadFromJsonAsync<CreatedNotificationResponse>())!;
        created.Should().BeEquivalentTo(new { Type = "inventory_alert", Priority = 1, WorkOrderId = (int?)null });
        created.Recipients.Should().Equal("4711");
        await technician.WaitForNotificationsAsync(1);
        technician.Notifications.Single()["type"]!.GetValue<string>().Should().Be("inventory_alert");
        (await worker.InboxAsync(InboxFixture.Office1)).Items.Should().NotContain(i => i.Id == created.Id, "the office was not asked for");
    }

    public static TheoryData<string, string> InvalidAlerts => new()
    {
        { """{"type":"office_alert","message":"x","office":true}""", "type" },
        { """{"type":"EQUIPMENT_ALERT","message":"x","office":true}""", "type" },
        { """{"message":"x","office":true}""", "type" },
        { """{"type":"equipment_alert","office":true}""", "message" },
        { """{"type":"equipment_alert","message":"   ","office":true}""", "message" },
        { """{"type":"equipment_alert","message":"x"}""", "recipientIds" },
        { """{"type":"equipment_alert","message":"x","recipientIds":[],"office":false}""", "recipientIds" },
        { """{"type":"equipment_alert","message":"x","recipientIds":["has space"]}""", "recipientIds" },
        { """{"type":"equipment_alert","message":"x","recipientIds":"tech-1"}""", "recipientIds" },
        { """{"type":"equipment_alert","message":"x","recipientIds":[null]}""", "recipientIds" },
        { """{"type":"equipment_alert","message":"x","recipientIds":[1.5]}""", "recipientIds" },
        { """{"type":"equipment_alert","message":"x","office":true,"priority":"critical"}""", "priority" },
        { """{"type":"equipment_alert","message":"x","office":true,"workOrderId":0}""", "workOrderId" },
        { """{"type":"equipment_alert","message":"x","office":true,"workOrderId":987654}""", "workOrderId" },
        { """{"type":"equipment_alert","message":"x","office":"yes"}""", "office" },
        { """{"type":"equipment_alert","message":"x","office":true,"severity":1}""", "severity" },
    };

    [Theory]
    [MemberData(nameof(InvalidAlerts))]
    public async Task An_invalid_alert_is_a_400_naming_the_field_and_writes_nothing(string body, string field)
    {
        var before = await CountAsync();

        var response = await PostRawAsync(body);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest, await response.Content.ReadAsStringAsync());
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        (await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject().Select(e => e.Key).Should().Contain(field);
        (await CountAsync()).Should().Be(before);
    }
}
