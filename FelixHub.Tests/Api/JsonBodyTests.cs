using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FelixHub.Tests.Infrastructure;
using FelixHub.Tests.Orders;
using FelixHub.Tests.Wildberries;

namespace FelixHub.Tests.Api;

/// <summary>
/// One way to write a value: a Telegram id is a string in every answer and may be sent as a JSON string
/// or a JSON integer; a body the JSON reader refuses is a 400 ProblemDetails naming the field and what it expects.
/// </summary>
public sealed class JsonBodyTests(WbFixture fixture) : IClassFixture<WbFixture>
{
    private readonly TestWorker worker = fixture.Worker;

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string url, string body)
    {
        using var request = new HttpRequestMessage(method, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        return await worker.Http.SendAsync(request);
    }

    private async Task<JsonObject> OkAsync(HttpMethod method, string url, string body)
    {
        var response = await SendAsync(method, url, body);
        var text = await response.Content.ReadAsStringAsync();
        ((int)response.StatusCode).Should().BeInRange(200, 299, text);
        return JsonNode.Parse(text)!.AsObject();
    }

    private static void ShouldBeString(JsonNode? node, string expected)
    {
        node.Should().NotBeNull();
        node!.GetValueKind().Should().Be(JsonValueKind.String, "a Telegram id is a string in every answer");
        node.GetValue<string>().Should().Be(expected);
    }

    [Fact]
    public async Task A_telegram_id_sent_as_a_number_or_a_string_is_stored_and_answered_as_a_string()
    {
        var chat = long.Parse(TestWorker.NewChatId(), CultureInfo.InvariantCulture);

        var mechanic = await OkAsync(HttpMethod.Post, "/api/mechanics", $$"""{"name":"Иван","telegramId":{{chat}}}""");
        ShouldBeString(mechanic["telegramId"], chat.ToString(CultureInfo.InvariantCulture));
        var mechanicId = mechanic["id"]!.GetValue<int>();
        ShouldBeString((await OkAsync(HttpMethod.Patch, $"/api/mechanics/{mechanicId}", """{"telegramId":-1001234567890}"""))["telegramId"], "-1001234567890");
        ShouldBeString((await OkAsync(HttpMethod.Patch, $"/api/mechanics/{mechanicId}", """{"telegramId":"@felix_mechanic"}"""))["telegramId"], "@felix_mechanic");

        var order = await OkAsync(HttpMethod.Post, "/api/orders",
            $$"""{"carNumber":"AB1234CD","category":"Двигатель","parts":["Фильтр"],"assignedMechanicId":{{mechanicId}},"customerTelegramId":5550101}""");
        ShouldBeString(order["customerTelegramId"], "5550101");
        ShouldBeString((await OkAsync(HttpMethod.Patch, $"/api/orders/{order["id"]}", """{"customerTelegramId":5550102}"""))["customerTelegramId"], "5550102");
        ShouldBeString((await worker.Http.GetFromJsonAsync<JsonObject>($"/api/orders/{order["id"]}"))!["customerTelegramId"], "5550102");

        ShouldBeString((await OkAsync(HttpMethod.Post, "/api/users", """{"telegramId":5550103,"name":"Анна"}"""))["telegramId"], "5550103");
        ShouldBeString((await OkAsync(HttpMethod.Post, "/api/users", """{"telegramId":"5550104","name":"Олег"}"""))["telegramId"], "5550104");
    }

    [Fact]
    public async Task A_cabinet_is_registered_with_the_telegram_id_as_a_string_and_shows_its_users_ids_as_strings()
    {
        var seller = fixture.Wb.NewSeller();
        var user = WbTestSteps.NewTelegramId().ToString(CultureInfo.InvariantCulture);

        var registered = await OkAsync(HttpMethod.Post, "/api/cabinets", $$"""{"telegramId":"{{user}}","apiKey":"{{seller.Token}}"}""");

        var cabinet = (await worker.Http.GetFromJsonAsync<JsonObject>($"/api/cabinets/{registered["cabinetId"]}"))!;
        ShouldBeString(cabinet["users"]!.AsArray().Single()!["telegramId"], user);
    }

    public static TheoryData<string, string, string, string, string> Malformed => new()
    {
        // method, url ({order} is an order's id), body, the field named, what the message says is expected
        { "POST", "/api/cabinets", """{"telegramId":true,"apiKey":"x.y.z"}""", "telegramId", "a Telegram id" },
        { "POST", "/api/cabinets", """{"telegramId":{"id":1},"apiKey":"x.y.z"}""", "telegramId", "a JSON string" },
        { "POST", "/api/mechanics", """{"name":"Иван","telegramId":1.5}""", "telegramId", "or a JSON integer" },
        { "POST", "/api/users", """{"telegramId":["5550001"]}""", "telegramId", "a Telegram id" },
        { "POST", "/api/mechanics", """{"name":42}""", "name", "must be a string" },
        { "POST", "/api/orders", """{"carNumber":"AB1","category":"X","parts":"oil"}""", "parts", "must be an array of strings" },
        { "POST", "/api/orders", """{"carNumber":"AB1","category":"X","parts":["oil",7]}""", "parts[1]", "must be a string" },
        { "POST", "/api/orders", """{"carNumber":"AB1","category":"X","assignedMechanicId":"7"}""", "assignedMechanicId", "must be an integer" },
        { "PATCH", "/api/orders/{order}", """{"assignedMechanicId":99999999999}""", "assignedMechanicId", "from -2147483648 to 2147483647" },
        { "POST", "/api/bookings", """{"userId":true,"resourceName":"Зал"}""", "userId", "must be an integer" },
        { "PUT", "/api/users/77000001/notification-settings", """{"notificationsEnabled":"yes"}""", "notificationsEnabled", "must be true or false" },
        { "POST", "/api/work-orders/{order}/updates", """{"status":"diagnosed","alertOffice":1}""", "alertOffice", "must be true or false" },
        { "POST", "/api/inbox/tokens", """{"userId":{}}""", "userId", "a user id" },
        { "POST", "/api/mechanics", """{"name":"Иван","role":"admin"}""", "role", "the fields are name, telegramId" },
        { "POST", "/api/users", """{"telegramId":"5550001","name":"Анна" """, "body", "not valid JSON" },
        { "POST", "/api/orders", """{"carNumber":"AB1",}""", "body", "not valid JSON" },
        { "POST", "/api/mechanics", """["Иван"]""", "body", "must be a JSON object" },
        { "POST", "/api/manual-notifications", "\"text\"", "body", "must be a JSON object" },
        { "POST", "/api/mechanics", """{"name":"x\ud800"}""", "name", "not valid Unicode text" },
        { "POST", "/api/inbox/tokens", "null", "body", "A JSON object is required" },
        { "GET", "/api/notification-logs?limit=abc", "", "limit", "'limit' must be an integer" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public async Task A_malformed_body_or_parameter_is_a_400_naming_the_field_and_what_it_expects(string method, string url, string body, string field, string expected)
    {
        if (url.Contains("{order}", StringComparison.Ordinal))
            url = url.Replace("{order}", (await worker.CreateOrderAsync(mechanicId: null)).Id.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);

        var response = await SendAsync(new HttpMethod(method), url, body);

        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.BadRequest, text);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        var problem = JsonNode.Parse(text)!.AsObject();
        problem["title"]!.GetValue<string>().Should().Be("The request is invalid.");
        var errors = problem["errors"]!.AsObject();
        errors.Select(e => e.Key).Should().Equal([field], text);
        errors[field]!.AsArray().Select(m => m!.GetValue<string>()).Should().ContainSingle().Which.Should().Contain(expected);
        text.Should().NotContain("System.").And.NotContain("Failed to").And.NotContain("Nullable").And.NotContain("FelixHub.").And.NotContain("parameter");
    }
}
