using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using FelixHub.Core.Orders;
using FelixHub.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace FelixHub.Tests.Orders;

/// <summary>Bad input gets a 400/404 ProblemDetails naming the field, and writes and enqueues nothing.</summary>
public sealed class OrdersApiValidationTests(WorkerFixture fixture) : IClassFixture<WorkerFixture>
{
    private readonly TestWorker worker = fixture.Worker;

    private async Task<HttpResponseMessage> SendRawAsync(HttpMethod method, string url, string body)
    {
        using var request = new HttpRequestMessage(method, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        return await worker.Http.SendAsync(request);
    }

    private static async Task<JsonObject> ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        response.StatusCode.Should().Be(status);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        problem["status"]!.GetValue<int>().Should().Be((int)status);
        problem["requestId"]!.GetValue<string>().Should().NotBeNullOrEmpty();
        return problem;
    }

    public static TheoryData<string, string> InvalidPatches => new()
    {
        { """{"status":"готово"}""", "status" },
        { """{"status":""}""", "status" },
        { """{"status":123}""", "status" },
        { """{"assignedMechanicId":999999}""", "assignedMechanicId" },
        { """{"assignedMechanicId":-1}""", "assignedMechanicId" },
        { """{"assignedMechanicId":"7"}""", "assignedMechanicId" },
        { """{"assignedMechanicId":99999999999999999999}""", "assignedMechanicId" },
        { """{"status":"в работе","extra":1}""", "extra" },
        { """{"status":"в работе" """, "body" },
        { "{}", "status" },
        { "null", "body" },
    };

    [Theory]
    [MemberData(nameof(InvalidPatches))]
    public async Task An_invalid_patch_is_a_400_naming_the_field_and_changes_and_enqueues_nothing(string body, string field)
    {
        var mechanic = await worker.CreateMechanicAsync(TestWorker.NewChatId());
        var order = await worker.CreateOrderAsync(mechanic.Id);
        var jobsBefore = await worker.JobsOfTypeAsync("DeliveryJob");

        var response = await SendRawAsync(HttpMethod.Patch, $"/api/orders/{order.Id}", body);

        var problem = await ProblemAsync(response, HttpStatusCode.BadRequest);
        problem["errors"]!.AsObject().Select(e => e.Key).Should().Contain(field);
        var stored = await worker.DbAsync(db => db.Orders.AsNoTracking().SingleAsync(o => o.Id == order.Id));
        stored.Status.Should().Be(OrderStatus.New);
        stored.AssignedMechanicId.Should().Be(mechanic.Id);
        (await worker.DbAsync(db => db.OrderStatusChanges.CountAsync(c => c.OrderId == order.Id))).Should().Be(0);
        (await worker.JobsOfTypeAsync("DeliveryJob")).Should().Be(jobsBefore, "an invalid PATCH enqueues nothing");
    }

    public static TheoryData<string, string> InvalidOrders => new()
    {
        { """{"carNumber":"","category":"Двигатель","parts":[]}""", "carNumber" },
        { """{"carNumber":"   ","category":"Двигатель","parts":[]}""", "carNumber" },
        { """{"category":"Двигатель"}""", "carNumber" },
        { """{"carNumber":"AB1","category":""}""", "category" },
        { """{"carNumber":"AB1","category":"X","parts":[""]}""", "parts" },
        { """{"carNumber":"AB1","category":"X","parts":"oil"}""", "parts" },
        { """{"carNumber":"AB1","category":"X","assignedMechanicId":424242}""", "assignedMechanicId" },
        { """{"carNumber":"ABCDEFGHIJKLMNOPQRSTUVWXYZ","category":"X"}""", "carNumber" },
    };

    [Theory]
    [MemberData(nameof(InvalidOrders))]
    public async Task An_invalid_new_order_is_a_400_naming_the_field_and_writes_nothing(string body, string field)
    {
        var before = await worker.DbAsync(db => db.Orders.CountAsync());

        var response = await SendRawAsync(HttpMethod.Post, "/api/orders", body);

        var problem = await ProblemAsync(response, HttpStatusCode.BadRequest);
        problem["errors"]!.AsObject().Select(e => e.Key).Should().Contain(field);
        (await worker.DbAsync(db => db.Orders.CountAsync())).Should().Be(before);
    }

    [Theory]
    [InlineData("""{"name":""}""", "name")]
    [InlineData("""{"name":"Пётр","telegramId":"not a chat"}""", "telegramId")]
    [InlineData("""{"name":"Пётр","telegramId":1.5}""", "telegramId")]
    [InlineData("""{"name":"Пётр","telegramId":true}""", "telegramId")]
    public async Task An_invalid_mechanic_is_a_400_naming_the_field(string body, string field)
    {
        var response = await SendRawAsync(HttpMethod.Post, "/api/mechanics", body);

        var problem = await ProblemAsync(response, HttpStatusCode.BadRequest);
        problem["errors"]!.AsObject().Select(e => e.Key).Should().Contain(field);
    }

    [Fact]
    public async Task Unknown_ids_are_404_problems()
    {
        await ProblemAsync(await worker.Http.GetAsync("/api/orders/987654"), HttpStatusCode.NotFound);
        await ProblemAsync(await SendRawAsync(HttpMethod.Patch, "/api/orders/987654", """{"status":"готов"}"""), HttpStatusCode.NotFound);
        await ProblemAsync(await SendRawAsync(HttpMethod.Patch, "/api/mechanics/987654", """{"name":"X"}"""), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task An_oversized_body_is_refused()
    {
        var huge = """{"carNumber":"AB1","category":"X","parts":[""" + string.Join(',', Enumerable.Repeat("\"" + new string('x', 1000) + "\"", 1200)) + "]}";

        // Expect: 100-continue lets the server refuse on Content-Length before the body is sent, as a
        // well-behaved client would; without it the client may still be writing when the 413 closes the connection.
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/orders") { Content = new StringContent(huge, Encoding.UTF8, "application/json") };
        request.Headers.ExpectContinue = true;
        var response = await worker.Http.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task A_mechanic_can_be_created_linked_and_unlinked()
    {
        var created = await worker.CreateMechanicAsync(telegramId: null, name: "Сергей");
        created.TelegramId.Should().BeNull();

        var linked = await (await SendRawAsync(HttpMethod.Patch, $"/api/mechanics/{created.Id}", """{"telegramId":"5551234"}""")).Content.ReadFromJsonAsync<MechanicResponse>();
        linked!.Should().BeEquivalentTo(new { created.Id, Name = "Сергей", TelegramId = "5551234", Active = true, DeactivatedAt = (DateTimeOffset?)null });

        var unlinked = await (await SendRawAsync(HttpMethod.Patch, $"/api/mechanics/{created.Id}", """{"telegramId":""}""")).Content.ReadFromJsonAsync<MechanicResponse>();
        unlinked!.TelegramId.Should().BeNull();
    }

    [Fact]
    public async Task Notification_logs_reject_a_bad_query()
    {
        await ProblemAsync(await worker.Http.GetAsync("/api/notification-logs?orderId=abc"), HttpStatusCode.BadRequest);
        await ProblemAsync(await worker.Http.GetAsync("/api/notification-logs?limit=0"), HttpStatusCode.BadRequest);
    }
}
