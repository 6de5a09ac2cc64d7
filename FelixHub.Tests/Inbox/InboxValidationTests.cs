using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using FelixHub.Core.Inbox;
using FelixHub.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace FelixHub.Tests.Inbox;

/// <summary>Bad input is a 400 ProblemDetails naming the field and writes nothing; unknown ids are 404.</summary>
public sealed class InboxValidationTests(InboxFixture fixture) : IClassFixture<InboxFixture>
{
    private readonly TestWorker worker = fixture.Worker;

    private async Task<HttpResponseMessage> PostRawAsync(string url, string body) =>
        await worker.Http.PostAsync(url, new StringContent(body, Encoding.UTF8, "application/json"));

    private static async Task<JsonObject> ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        response.StatusCode.Should().Be(status);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    private Task<int> NotificationCountAsync() => worker.DbAsync(db => db.Set<InboxNotification>().CountAsync());

    public static TheoryData<string, string> InvalidUpdates => new()
    {
        { "{}", "status" },
        { """{"status":""}""", "status" },
        { """{"status":"   "}""", "status" },
        { $$"""{"status":"{{new string('s', 51)}}"}""", "status" },
        { """{"status":1}""", "status" },
        { $$"""{"status":"ok","notes":"{{new string('n', 2001)}}"}""", "notes" },
        { $$"""{"status":"ok","issues":"{{new string('i', 2001)}}"}""", "issues" },
        { """{"status":"ok","alertOffice":"yes"}""", "alertOffice" },
        { """{"status":"ok","technicianId":"has space"}""", "technicianId" },
        { """{"status":"ok","technicianId":true}""", "technicianId" },
        { """{"status":"ok","extra":1}""", "extra" },
        { """{"status":"ok" """, "body" },
    };

    [Theory]
    [MemberData(nameof(InvalidUpdates))]
    public async Task An_invalid_update_is_a_400_naming_the_field_and_saves_nothing(string body, string field)
    {
        var workOrder = await worker.CreateWorkOrderAsync();
        var before = await NotificationCountAsync();

        var problem = await ProblemAsync(await PostRawAsync($"/api/work-orders/{workOrder}/updates", body), HttpStatusCode.BadRequest);

        problem["errors"]!.AsObject().Select(e => e.Key).Should().Contain(field);
        (await NotificationCountAsync()).Should().Be(before);
    }

    public static TheoryData<string, string> InvalidManualNotifications => new()
    {
        { """{"workOrderId":1,"message":"m"}""", "technicianId" },
        { """{"technicianId":"t1","message":"m"}""", "workOrderId" },
        { """{"technicianId":"t1","workOrderId":0,"message":"m"}""", "workOrderId" },
        { """{"technicianId":"t1","workOrderId":987654,"message":"m"}""", "workOrderId" },
        { """{"technicianId":"t1","workOrderId":1,"message":""}""", "message" },
        { """{"technicianId":"t1","workOrderId":1,"message":"m","priority":"asap"}""", "priority" },
        { """{"technicianId":"t1","workOrderId":1,"message":"m","priority":2}""", "priority" },
        { """{"technicianId":1.5,"workOrderId":1,"message":"m"}""", "technicianId" },
    };

    [Theory]
    [MemberData(nameof(InvalidManualNotifications))]
    public async Task An_invalid_manual_notification_is_a_400_naming_the_field(string body, string field)
    {
        await worker.CreateWorkOrderAsync();
        var before = await NotificationCountAsync();

        var problem = await ProblemAsync(await PostRawAsync("/api/manual-notifications", body), HttpStatusCode.BadRequest);

        problem["errors"]!.AsObject().Select(e => e.Key).Should().Contain(field);
        (await NotificationCountAsync()).Should().Be(before);
    }

    [Fact]
    public async Task Unknown_ids_are_404_problems()
    {
        var workOrder = await worker.CreateWorkOrderAsync();
        var answer = await worker.UpdateAsync(workOrder, new { status = "s", technicianId = "owner" });

        await ProblemAsync(await worker.PostUpdateAsync(987654, new { status = "s" }), HttpStatusCode.NotFound);
        await ProblemAsync(await worker.Http.PostAsync($"/api/inbox/{Guid.NewGuid()}/read?userId=owner", null), HttpStatusCode.NotFound);
        await ProblemAsync(await worker.Http.PostAsync($"/api/inbox/{answer.Notifications[0].Id}/read?userId=someone-else", null), HttpStatusCode.NotFound);
        (await worker.Http.PostAsync("/api/inbox/not-a-guid/read?userId=owner", null)).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_inbox_and_mark_read_need_a_valid_user_and_accept_it_in_the_body()
    {
        var answer = await worker.UpdateAsync(await worker.CreateWorkOrderAsync(), new { status = "s", technicianId = "body-user" });
        var id = answer.Notifications[0].Id;

        (await ProblemAsync(await worker.Http.GetAsync("/api/inbox"), HttpStatusCode.BadRequest))["errors"]!["userId"].Should().NotBeNull();
        (await ProblemAsync(await worker.Http.GetAsync("/api/inbox?userId=a&limit=0"), HttpStatusCode.BadRequest))["errors"]!["limit"].Should().NotBeNull();
        await ProblemAsync(await worker.Http.GetAsync("/api/inbox?userId=a&unreadOnly=maybe"), HttpStatusCode.BadRequest);
        (await ProblemAsync(await worker.Http.PostAsync($"/api/inbox/{id}/read", null), HttpStatusCode.BadRequest))["errors"]!["userId"].Should().NotBeNull();
        await ProblemAsync(await PostRawAsync($"/api/inbox/{id}/read?userId=x", """{"userId":"body-user"}"""), HttpStatusCode.BadRequest);

        var read = await PostRawAsync($"/api/inbox/{id}/read", """{"userId":"body-user"}""");

        read.StatusCode.Should().Be(HttpStatusCode.OK);
        (await read.Content.ReadFromJsonAsync<JsonObject>())!["unreadCount"]!.GetValue<int>().Should().Be(0);
    }
}

/// <summary>The backplane payloads stay under PostgreSQL's 8000-byte NOTIFY limit however many recipients there are.</summary>
public sealed class InboxBackplaneTests
{
    [Fact]
    public void Payloads_stay_under_the_NOTIFY_limit_and_carry_every_recipient_once()
    {
        var ids = Enumerable.Range(0, 3).Select(_ => Guid.NewGuid()).ToArray();
        var users = Enumerable.Range(0, 500).Select(i => $"u{i}-" + new string('x', 90)).ToArray();

        var payloads = InboxBackplane.BuildPayloads(BackplaneMessage.New, ids, users);

        payloads.Should().HaveCountGreaterThan(1);
        payloads.Should().OnlyContain(p => Encoding.UTF8.GetByteCount(p) <= InboxBackplane.MaxPayloadBytes);
        var parsed = payloads.Select(p => InboxBackplane.Parse(p)!).ToList();
        parsed.Should().OnlyContain(m => m.Kind == "n" && m.NotificationIds.SequenceEqual(ids));
        parsed.SelectMany(m => m.UserIds).Should().Equal(users);
    }

    [Fact]
    public void A_small_event_is_one_payload_and_foreign_payloads_are_ignored()
    {
        var id = Guid.NewGuid();

        InboxBackplane.BuildPayloads(BackplaneMessage.Read, [id], ["u1"]).Should().ContainSingle()
            .Which.Should().Be($$"""{"k":"r","n":["{{id}}"],"u":["u1"]}""");
        InboxBackplane.BuildPayloads(BackplaneMessage.New, [id], []).Should().BeEmpty();
        InboxBackplane.Parse("hello").Should().BeNull();
        InboxBackplane.Parse("""{"k":"x","n":[],"u":[]}""").Should().BeNull();
    }
}
