using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using FelixHub.Core.Bookings;
using FelixHub.Core.Common;
using FelixHub.Core.Orders;
using FelixHub.Tests.Bookings;
using FelixHub.Tests.Infrastructure;
using FelixHub.Tests.Orders;
using Microsoft.EntityFrameworkCore;

namespace FelixHub.Tests.Api;

/// <summary>
/// Issue 24 §4: reading and fixing data — the order and mechanic listings (keyset paging, filters),
/// one mechanic, one booking user and its PATCH; 400 naming the parameter, 404 for unknown ids.
/// </summary>
public sealed class ReadingApiTests(WorkerFixture fixture) : IClassFixture<WorkerFixture>
{
    private readonly TestWorker worker = fixture.Worker;

    private async Task<Page<T>> PageAsync<T>(string url)
    {
        var response = await worker.Http.GetAsync(url);
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<Page<T>>())!;
    }

    private static string With(string url, string? after) =>
        after is null ? url : url + (url.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "after=" + Uri.EscapeDataString(after);

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string url, string? body = null)
    {
        using var request = new HttpRequestMessage(method, url);
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        return await worker.Http.SendAsync(request);
    }

    private static async Task<JsonObject> ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(status, text);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        return JsonNode.Parse(text)!.AsObject();
    }

    private static string Utc(DateTimeOffset value) =>
        Uri.EscapeDataString(value.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture));

    /// <summary>A microsecond or less earlier than <paramref name="value"/>, as PostgreSQL may round it either way.</summary>
    private static DateTimeOffset FloorToMicrosecond(DateTimeOffset value) => new(value.Ticks - value.Ticks % 10, value.Offset);

    [Fact]
    public async Task Paging_through_orders_while_orders_are_added_sees_each_existing_order_exactly_once()
    {
        var mechanic = await worker.CreateMechanicAsync(TestWorker.NewChatId());
        var existing = new List<int>();
        for (var i = 0; i < 7; i++) existing.Add((await worker.CreateOrderAsync(mechanic.Id)).Id);
        var url = $"/api/orders?mechanicId={mechanic.Id}&limit=3";

        var seen = new List<int>();
        var added = new List<int>();
        string? after = null;
        var pages = 0;
        do
        {
            var page = await PageAsync<OrderResponse>(With(url, after));
            page.Items.Count.Should().BeLessThanOrEqualTo(3);
            seen.AddRange(page.Items.Select(o => o.Id));
            after = page.Next;
            // Between page reads, others keep creating orders.
            if (pages++ < 3) for (var i = 0; i < 2; i++) added.Add((await worker.CreateOrderAsync(mechanic.Id)).Id);
        }
        while (after is not null && pages < 20);

        after.Should().BeNull("the last page has no next cursor");
        seen.Should().OnlyHaveUniqueItems("no order is seen twice");
        seen.Should().Contain(existing, "no order that existed when the client started is missed");
        seen.Should().BeInAscendingOrder();
        seen.Should().BeEquivalentTo(existing.Concat(added), "orders added meanwhile come after what was read");
    }

    [Fact]
    public async Task Paging_through_mechanics_while_mechanics_are_added_sees_each_existing_one_exactly_once()
    {
        for (var i = 0; i < 5; i++) await worker.CreateMechanicAsync(null, $"Механик {i}");
        var existing = await worker.DbAsync(db => db.Mechanics.Select(m => m.Id).ToListAsync());

        var seen = new List<int>();
        string? after = null;
        var pages = 0;
        do
        {
            var page = await PageAsync<MechanicResponse>(With("/api/mechanics?limit=2", after));
            seen.AddRange(page.Items.Select(m => m.Id));
            after = page.Next;
            if (pages++ < 3) await worker.CreateMechanicAsync(null, "Новый механик");
        }
        while (after is not null && pages < 100);

        seen.Should().OnlyHaveUniqueItems().And.Contain(existing).And.BeInAscendingOrder();
    }

    [Fact]
    public async Task Orders_are_filtered_by_status_mechanic_and_change_time()
    {
        var mechanic = await worker.CreateMechanicAsync(TestWorker.NewChatId());
        var other = await worker.CreateMechanicAsync(TestWorker.NewChatId());
        var old = await worker.CreateOrderAsync(mechanic.Id);
        var started = await worker.CreateOrderAsync(mechanic.Id);
        var elsewhere = await worker.CreateOrderAsync(other.Id);
        var changed = await worker.ChangeStatusAsync(started.Id, OrderStatus.InProgress);

        (await PageAsync<OrderResponse>($"/api/orders?mechanicId={mechanic.Id}")).Items.Select(o => o.Id).Should().Equal(old.Id, started.Id);
        (await PageAsync<OrderResponse>($"/api/orders?mechanicId={mechanic.Id}&status={Uri.EscapeDataString(OrderStatus.InProgress)}"))
            .Items.Should().ContainSingle().Which.Should().BeEquivalentTo(new { started.Id, Status = OrderStatus.InProgress, AssignedMechanicId = mechanic.Id });
        (await PageAsync<OrderResponse>($"/api/orders?limit=1000&status={Uri.EscapeDataString(OrderStatus.New)}")).Items.Select(o => o.Id)
            .Should().Contain([old.Id, elsewhere.Id]).And.NotContain(started.Id);

        var since = FloorToMicrosecond(changed.UpdatedAt);
        var recent = (await PageAsync<OrderResponse>($"/api/orders?changedSince={Utc(since)}")).Items.Select(o => o.Id).ToList();
        recent.Should().Contain(started.Id, "its status changed at that moment").And.NotContain([old.Id, elsewhere.Id]);
        // Without an offset the moment is read as UTC.
        var naive = since.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff", CultureInfo.InvariantCulture);
        (await PageAsync<OrderResponse>($"/api/orders?changedSince={naive}")).Items.Select(o => o.Id).Should().Equal(recent);
        var moscow = Uri.EscapeDataString(since.ToOffset(TimeSpan.FromHours(3)).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffffzzz", CultureInfo.InvariantCulture));
        (await PageAsync<OrderResponse>($"/api/orders?changedSince={moscow}")).Items.Select(o => o.Id).Should().Equal(recent);
    }

    [Theory]
    [InlineData("/api/orders?status=closed", "status")]
    [InlineData("/api/orders?changedSince=yesterday", "changedSince")]
    [InlineData("/api/orders?changedSince=2026-02-30T10:00:00Z", "changedSince")]
    [InlineData("/api/orders?mechanicId=0", "mechanicId")]
    [InlineData("/api/orders?mechanicId=abc", "mechanicId")]
    [InlineData("/api/orders?limit=0", "limit")]
    [InlineData("/api/orders?limit=1001", "limit")]
    [InlineData("/api/orders?limit=ten", "limit")]
    [InlineData("/api/orders?after=not-a-cursor", "after")]
    [InlineData("/api/orders?after=bWVjaGFuaWNzOjE", "after")] // a mechanics cursor
    [InlineData("/api/orders?after=b3JkZXJzOi0x", "after")] // "orders:-1"
    [InlineData("/api/mechanics?limit=-5", "limit")]
    [InlineData("/api/mechanics?active=maybe", "active")]
    [InlineData("/api/mechanics?after=b3JkZXJzOjE", "after")] // an orders cursor
    public async Task A_bad_listing_parameter_is_a_400_naming_it(string url, string parameter)
    {
        var problem = await ProblemAsync(await worker.Http.GetAsync(url), HttpStatusCode.BadRequest);
        problem["errors"]!.AsObject().Select(e => e.Key).Should().Equal(parameter);
    }

    [Fact]
    public async Task A_cursor_from_a_page_works_and_limit_cuts_the_page()
    {
        var mechanic = await worker.CreateMechanicAsync(null);
        var orders = new[] { await worker.CreateOrderAsync(mechanic.Id), await worker.CreateOrderAsync(mechanic.Id) };

        var first = await PageAsync<OrderResponse>($"/api/orders?mechanicId={mechanic.Id}&limit=1");
        first.Items.Select(o => o.Id).Should().Equal(orders[0].Id);
        first.Next.Should().NotBeNullOrEmpty();
        var second = await PageAsync<OrderResponse>(With($"/api/orders?mechanicId={mechanic.Id}&limit=1", first.Next));
        second.Items.Select(o => o.Id).Should().Equal(orders[1].Id);
        second.Next.Should().BeNull("a page that ends the listing says so");
    }

    [Fact]
    public async Task A_mechanic_and_a_user_are_read_by_id_and_unknown_ids_are_404()
    {
        var chat = TestWorker.NewChatId();
        var mechanic = await worker.CreateMechanicAsync(chat, "Пётр");
        (await worker.Http.GetFromJsonAsync<MechanicResponse>($"/api/mechanics/{mechanic.Id}"))
            .Should().BeEquivalentTo(new { mechanic.Id, Name = "Пётр", TelegramId = chat, Active = true, DeactivatedAt = (DateTimeOffset?)null });
        var user = await worker.CreateUserAsync(null, "Анна");
        (await worker.Http.GetFromJsonAsync<UserResponse>($"/api/users/{user.Id}")).Should().BeEquivalentTo(new { user.Id, Name = "Анна", TelegramId = (string?)null });

        await ProblemAsync(await worker.Http.GetAsync("/api/mechanics/987654"), HttpStatusCode.NotFound);
        await ProblemAsync(await worker.Http.GetAsync("/api/users/987654"), HttpStatusCode.NotFound);
        await ProblemAsync(await SendAsync(HttpMethod.Patch, "/api/users/987654", """{"name":"X"}"""), HttpStatusCode.NotFound);
        await ProblemAsync(await worker.Http.PostAsync("/api/users/987654/telegram-link", null), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_users_name_and_telegram_id_are_changed_with_a_patch()
    {
        var user = await worker.CreateUserAsync(null, "Анна");
        var chat = TestWorker.NewChatId();

        var linked = await (await SendAsync(HttpMethod.Patch, $"/api/users/{user.Id}", $$"""{"telegramId":{{chat}}}""")).Content.ReadFromJsonAsync<JsonObject>();
        linked!["telegramId"]!.GetValue<string>().Should().Be(chat, "a JSON number is accepted and answered as a string");
        linked["name"]!.GetValue<string>().Should().Be("Анна", "a field left out is unchanged");

        var renamed = await (await SendAsync(HttpMethod.Patch, $"/api/users/{user.Id}", """{"name":"  Анна Смирнова "}""")).Content.ReadFromJsonAsync<UserResponse>();
        renamed.Should().BeEquivalentTo(new { Name = "Анна Смирнова", TelegramId = chat });
        var unlinked = await (await SendAsync(HttpMethod.Patch, $"/api/users/{user.Id}", """{"telegramId":""}""")).Content.ReadFromJsonAsync<UserResponse>();
        unlinked!.TelegramId.Should().BeNull();
        (await worker.Http.GetFromJsonAsync<UserResponse>($"/api/users/{user.Id}"))!.Should().BeEquivalentTo(new { Name = "Анна Смирнова", TelegramId = (string?)null });
    }

    [Theory]
    [InlineData("""{"telegramId":"not a chat"}""", "telegramId")]
    [InlineData("""{"telegramId":12.5}""", "telegramId")]
    [InlineData("""{"telegramId":true}""", "telegramId")]
    [InlineData("""{"name":""}""", "name")]
    [InlineData("""{"name":"   "}""", "name")]
    [InlineData("""{"name":"a\u0000b"}""", "name")]
    [InlineData("""{"role":"admin"}""", "role")]
    [InlineData("""{"name":"X" """, "body")]
    public async Task An_invalid_user_patch_is_a_400_naming_the_field_and_changes_nothing(string body, string field)
    {
        var chat = TestWorker.NewChatId();
        var user = await worker.CreateUserAsync(chat, "Олег");

        var problem = await ProblemAsync(await SendAsync(HttpMethod.Patch, $"/api/users/{user.Id}", body), HttpStatusCode.BadRequest);

        problem["errors"]!.AsObject().Select(e => e.Key).Should().Contain(field);
        (await worker.Http.GetFromJsonAsync<UserResponse>($"/api/users/{user.Id}")).Should().BeEquivalentTo(new { Name = "Олег", TelegramId = chat });
    }
}
