using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using FelixHub.Core.Wildberries;
using FelixHub.Core.Wildberries.Data;
using FelixHub.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace FelixHub.Tests.Wildberries;

/// <summary>POST /api/cabinets, GET /api/cabinets/{id} and the notification settings, as the HTTP API (v1) defines them.</summary>
public sealed class WbRegistrationApiTests(WbFixture fixture) : IClassFixture<WbFixture>
{
    private readonly TestWorker worker = fixture.Worker;
    private readonly FakeTelegramServer telegram = fixture.Telegram;
    private readonly FakeWbServer wb = fixture.Wb;

    private static async Task<JsonObject> ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        response.StatusCode.Should().Be(status, await response.Content.ReadAsStringAsync());
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    private static string ErrorOf(JsonObject problem, string field) => string.Join(" ", problem["errors"]![field]!.AsArray().Select(e => e!.GetValue<string>()));

    [Fact]
    public async Task Registering_a_key_answers_202_starts_the_initial_sync_and_keeps_the_key_encrypted()
    {
        var seller = wb.NewSeller();
        var user = WbTestSteps.NewTelegramId();

        var response = await worker.PostCabinetAsync(user, seller.Token);

        response.StatusCode.Should().Be(HttpStatusCode.Accepted);
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        body.Select(p => p.Key).Should().BeEquivalentTo("cabinetId", "state", "missingCategories");
        body["missingCategories"]!.AsArray().Should().BeEmpty("the key has all four categories");
        body["state"]!.GetValue<string>().Should().Be("initial-sync");
        var cabinetId = body["cabinetId"]!.GetValue<long>();
        response.Headers.Location!.ToString().Should().Be($"/api/cabinets/{cabinetId}");
        seller.RequestsTo("/ping").Should().ContainSingle().Which.Authorization.Should().Be(seller.Token, "WB wants the bare token, no Bearer");

        var stored = await worker.DbAsync(db => db.Set<WbCabinet>().AsNoTracking().SingleAsync(c => c.Id == cabinetId));
        stored.ApiKeyEncrypted.Should().NotContain(seller.Token).And.NotContain(seller.Token.Split('.')[1]);
        stored.ApiKeyHash.Should().Be(WbApiKey.Hash(seller.Token));
        stored.TokenType.Should().Be(3);
        stored.KeyExpiresAt.Should().BeAfter(DateTimeOffset.UtcNow.AddDays(100));

        await Eventually.Until(async () => await worker.StateAsync(cabinetId) == CabinetState.Active, "the initial sync");
        var view = await worker.Http.GetAsync($"/api/cabinets/{cabinetId}");
        var json = await view.Content.ReadAsStringAsync();
        json.Should().NotContain(seller.Token.Split('.')[1]).And.NotContainEquivalentOf("apikey");
        var cabinet = JsonNode.Parse(json)!.AsObject();
        cabinet.Select(p => p.Key).Should().BeEquivalentTo("id", "state", "lastSyncAt", "disabledCategories", "users");
        cabinet["users"]!.AsArray().Single()!["telegramId"]!.GetValue<string>().Should().Be(user.ToString(CultureInfo.InvariantCulture), "a Telegram id is a string in every answer");
        worker.Logs.AllText().Should().NotContain(seller.Token.Split('.')[1]);
    }

    public static TheoryData<string, string> BadKeys => new()
    {
        { "not-a-token", "expected a JWT" },
        { "a.b", "expected a JWT" },
        { "aaa.%%%.ccc", "not base64url-encoded JSON" },
        { FakeWbServer.Jwt(new JsonObject { ["acc"] = 3 }), "no expiry" },
        { FakeWbServer.Jwt(new JsonObject { ["acc"] = 3, ["exp"] = DateTimeOffset.UtcNow.AddDays(-1).ToUnixTimeSeconds() }), "expired on" },
    };

    [Theory]
    [MemberData(nameof(BadKeys))]
    public async Task A_key_that_is_not_a_current_WB_token_is_a_400_naming_apiKey_without_asking_WB(string key, string reason)
    {
        var cabinetsBefore = await worker.DbAsync(db => db.Set<WbCabinet>().CountAsync());

        var problem = await ProblemAsync(await worker.PostCabinetAsync(WbTestSteps.NewTelegramId(), key), HttpStatusCode.BadRequest);

        ErrorOf(problem, "apiKey").Should().Contain(reason);
        (await worker.DbAsync(db => db.Set<WbCabinet>().CountAsync())).Should().Be(cabinetsBefore);
    }

    [Fact]
    public async Task A_key_WB_rejects_is_a_400_with_WBs_reason_and_creates_nothing()
    {
        var seller = wb.NewSeller();
        seller.Rejected = true;

        var problem = await ProblemAsync(await worker.PostCabinetAsync(WbTestSteps.NewTelegramId(), seller.Token), HttpStatusCode.BadRequest);

        ErrorOf(problem, "apiKey").Should().Contain("Wildberries rejected the key (401)").And.Contain("token scope not allowed");
        (await worker.DbAsync(db => db.Set<WbCabinet>().AnyAsync(c => c.ApiKeyHash == WbApiKey.Hash(seller.Token)))).Should().BeFalse();
    }

    [Fact]
    public async Task WB_being_unavailable_at_registration_is_a_503_not_a_400()
    {
        var seller = wb.NewSeller();
        seller.Script = r => r.Path == "/ping" ? FakeWbReply.TooManyRequests(20) : null;

        var problem = await ProblemAsync(await worker.PostCabinetAsync(WbTestSteps.NewTelegramId(), seller.Token), HttpStatusCode.ServiceUnavailable);

        problem["detail"]!.GetValue<string>().Should().Contain("/ping");
        problem["retryAfterSeconds"]!.GetValue<int>().Should().Be(20);
    }

    [Theory]
    [InlineData("""{"apiKey":"x.y.z"}""", "telegramId")]
    [InlineData("""{"telegramId":0,"apiKey":"x.y.z"}""", "telegramId")]
    [InlineData("""{"telegramId":-12,"apiKey":"x.y.z"}""", "telegramId")]
    [InlineData("""{"telegramId":"@seller_name","apiKey":"x.y.z"}""", "telegramId")]
    [InlineData("""{"telegramId":"12abc","apiKey":"x.y.z"}""", "telegramId")]
    [InlineData("""{"telegramId":1.5,"apiKey":"x.y.z"}""", "telegramId")]
    [InlineData("""{"telegramId":"12","apiKey":"x.y.z"}""", "apiKey")]
    [InlineData("""{"telegramId":12}""", "apiKey")]
    [InlineData("""{"telegramId":12,"apiKey":"   "}""", "apiKey")]
    public async Task An_invalid_registration_body_is_a_400_naming_the_field(string body, string field)
    {
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");

        var problem = await ProblemAsync(await worker.Http.PostAsync("/api/cabinets", content), HttpStatusCode.BadRequest);

        problem["errors"]!.AsObject().Select(e => e.Key).Should().Contain(field);
    }

    [Fact]
    public async Task Registering_one_key_at_once_from_several_users_makes_one_cabinet()
    {
        var seller = wb.NewSeller();
        var users = Enumerable.Range(0, 4).Select(_ => WbTestSteps.NewTelegramId()).ToList();

        var responses = await Task.WhenAll(users.Select(u => worker.RegisterAsync(u, seller)));

        responses.Select(r => r.CabinetId).Distinct().Should().ContainSingle();
        (await worker.DbAsync(db => db.Set<WbCabinet>().CountAsync(c => c.ApiKeyHash == WbApiKey.Hash(seller.Token)))).Should().Be(1);
        foreach (var user in users) (await telegram.SettledMessagesAsync(user, 1)).Should().ContainSingle("each user is told once");
    }

    [Fact]
    public async Task An_unknown_cabinet_is_a_404()
    {
        await ProblemAsync(await worker.Http.GetAsync("/api/cabinets/987654321"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Notification_settings_default_to_all_on_and_are_replaced_whole_by_PUT()
    {
        var seller = wb.NewSeller();
        var user = WbTestSteps.NewTelegramId();
        await worker.RegisterAsync(user, seller);

        var defaults = await worker.Http.GetFromJsonAsync<JsonObject>($"/api/users/{user}/notification-settings");
        defaults!.Select(p => p.Key).Should().BeEquivalentTo("notificationsEnabled", "newOrdersEnabled", "orderBuyoutsEnabled",
            "orderCancellationsEnabled", "orderReturnsEnabled", "negativeReviewsEnabled", "criticalStocksEnabled");
        defaults.Should().OnlyContain(p => p.Value!.GetValue<bool>());

        var partial = await worker.Http.PutAsJsonAsync($"/api/users/{user}/notification-settings", new { notificationsEnabled = false });
        var problem = await ProblemAsync(partial, HttpStatusCode.BadRequest);
        problem["errors"]!.AsObject().Select(e => e.Key).Should().Contain(["newOrdersEnabled", "criticalStocksEnabled"]);

        var update = new
        {
            notificationsEnabled = true, newOrdersEnabled = false, orderBuyoutsEnabled = true, orderCancellationsEnabled = false,
            orderReturnsEnabled = true, negativeReviewsEnabled = true, criticalStocksEnabled = false,
        };
        (await worker.Http.PutAsJsonAsync($"/api/users/{user}/notification-settings", update)).StatusCode.Should().Be(HttpStatusCode.OK);
        var stored = await worker.Http.GetFromJsonAsync<JsonObject>($"/api/users/{user}/notification-settings");
        stored!["newOrdersEnabled"]!.GetValue<bool>().Should().BeFalse();
        stored["orderCancellationsEnabled"]!.GetValue<bool>().Should().BeFalse();
        stored["criticalStocksEnabled"]!.GetValue<bool>().Should().BeFalse();
        stored["orderBuyoutsEnabled"]!.GetValue<bool>().Should().BeTrue();
    }

    [Fact]
    public async Task Settings_of_a_user_FelixHub_does_not_know_are_a_404()
    {
        await ProblemAsync(await worker.Http.GetAsync($"/api/users/{WbTestSteps.NewTelegramId()}/notification-settings"), HttpStatusCode.NotFound);
        await ProblemAsync(await worker.Http.GetAsync("/api/users/-5/notification-settings"), HttpStatusCode.BadRequest);
    }
}
