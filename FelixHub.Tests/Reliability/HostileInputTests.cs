using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using FelixHub.Core.Inbox;
using FelixHub.Tests.Infrastructure;
using FelixHub.Tests.Orders;
using FelixHub.Tests.Wildberries;
using Xunit.Abstractions;

namespace FelixHub.Tests.Reliability;

/// <summary>
/// A worker whose database only changes through the requests the test sends (no Hangfire server, so
/// no job writes in the background), with a small body limit and inbox tokens switched on.
/// </summary>
public sealed class HostileInputFixture : IAsyncLifetime
{
    public const int MaxBodyBytes = 64 * 1024;

    public TestWorker Worker { get; private set; } = null!;
    public DatabaseDigest Digest { get; private set; } = null!;
    public IReadOnlyList<ApiEndpoint> Endpoints { get; private set; } = [];
    public int MechanicId { get; private set; }

    /// <summary>The mechanic the PATCH variants edit (and may deactivate), so that <see cref="MechanicId"/> stays assignable.</summary>
    public int SpareMechanicId { get; private set; }
    public int OrderId { get; private set; }
    public Guid NotificationId { get; private set; }
    public int UserId { get; private set; }
    public int BookingId { get; private set; }
    public long CabinetId { get; private set; }
    public long SellerTelegramId { get; } = 77_000_001;

    /// <summary>A second user of the cabinet, for the valid DELETE (the cabinet stays with its first user).</summary>
    public long LeavingTelegramId { get; } = 77_000_002;
    public string SellerKey { get; private set; } = "";
    private FakeWbServer wb = null!;

    public async Task InitializeAsync()
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        wb = await FakeWbServer.StartAsync();
        Worker = await TestWorker.StartAsync(database, telegram: null, new Dictionary<string, string?>
        {
            ["Wildberries:StatisticsBaseUrl"] = wb.BaseUrl,
            ["Wildberries:FeedbacksBaseUrl"] = wb.BaseUrl,
            ["Wildberries:AnalyticsBaseUrl"] = wb.BaseUrl,
            ["Wildberries:ContentBaseUrl"] = wb.BaseUrl,
            ["Telegram:BotUsername"] = "felixhub_test_bot",
            ["Hangfire:ServerEnabled"] = "false",
            ["Api:MaxRequestBodyBytes"] = MaxBodyBytes.ToString(CultureInfo.InvariantCulture),
            ["Inbox:TokenSecret"] = "hostile-input-suite-secret-0123456789abcdef",
            ["Inbox:OfficeUserIds:0"] = "office-1",
        });
        MechanicId = (await Worker.CreateMechanicAsync("424242")).Id;
        SpareMechanicId = (await Worker.CreateMechanicAsync("424243", "Запасной")).Id;
        OrderId = (await Worker.CreateOrderAsync(MechanicId)).Id;
        NotificationId = (await Worker.PostAsync<CreatedNotificationResponse>("/api/manual-notifications",
            new { technicianId = "tech-1", workOrderId = OrderId, message = "Check the brakes", priority = "high" })).Id;
        UserId = (await Worker.PostAsync<FelixHub.Core.Bookings.UserResponse>("/api/users", new { telegramId = "5550001", name = "Анна" })).Id;
        var start = DateTimeOffset.UtcNow.AddDays(3);
        BookingId = (await Worker.PostAsync<FelixHub.Core.Bookings.BookingResponse>("/api/bookings",
            new { userId = UserId, resourceName = "Подъёмник 1", startTime = start.ToString("O"), endTime = start.AddHours(1).ToString("O") })).Id;
        SellerKey = wb.NewSeller().Token;
        CabinetId = (await Worker.PostAsync<FelixHub.Core.Wildberries.Cabinets.RegisterCabinetResponse>("/api/cabinets",
            new { telegramId = SellerTelegramId, apiKey = SellerKey })).CabinetId;
        await Worker.PostAsync<FelixHub.Core.Wildberries.Cabinets.RegisterCabinetResponse>("/api/cabinets",
            new { telegramId = LeavingTelegramId, apiKey = SellerKey });
        Digest = await DatabaseDigest.ForAsync(database);
        Endpoints = ApiSurface.Discover(Worker.Services);
    }

    public async Task DisposeAsync()
    {
        await Worker.DisposeAsync();
        await wb.DisposeAsync();
        await PostgresServer.DropDatabaseAsync(Worker.ConnectionString);
    }
}

/// <summary>
/// Every <c>/api</c> endpoint against hostile input: each answer is a 4xx ProblemDetails or a success,
/// never a 5xx, never a stack trace; and a refused request leaves the database exactly as it was.
/// </summary>
public sealed class HostileInputTests(HostileInputFixture fixture, ITestOutputHelper output) : IClassFixture<HostileInputFixture>
{
    private static readonly Dictionary<string, string> None = [];

    /// <summary>A valid request per endpoint: the base that each hostile variant changes in one place. New endpoints must be added here.</summary>
    private static readonly Dictionary<string, Func<HostileInputFixture, ValidRequest>> Valid = new()
    {
        ["POST /api/mechanics"] = f => new(None, None, Body(new { name = "Иван", telegramId = "5551234" })),
        ["PATCH /api/mechanics/{id:int}"] = f => new(Id(f.SpareMechanicId), None, Body(new { name = "Пётр", telegramId = "5551235", active = true })),
        ["GET /api/mechanics"] = f => new(None, Query(("limit", "2")), null),
        ["GET /api/mechanics/{id:int}"] = f => new(Id(f.MechanicId), None, null),
        ["GET /api/orders"] = f => new(None, Query(("status", "%D0%BD%D0%BE%D0%B2%D1%8B%D0%B9"), ("mechanicId", f.MechanicId.ToString(CultureInfo.InvariantCulture)),
            ("changedSince", "2020-01-01T00:00:00Z"), ("limit", "5")), null),
        ["POST /api/orders"] = f => new(None, None, Body(new { carNumber = "AB1234CD", category = "Двигатель", parts = new[] { "Фильтр" }, assignedMechanicId = f.MechanicId })),
        ["GET /api/orders/{id:int}"] = f => new(Id(f.OrderId), None, null),
        ["PATCH /api/orders/{id:int}"] = f => new(Id(f.OrderId), None, Body(new { status = "в работе", assignedMechanicId = f.MechanicId })),
        ["GET /api/recipients/{telegramId}/preferences"] = f => new(new Dictionary<string, string> { ["telegramId"] = "5551236" }, None, null),
        ["PATCH /api/recipients/{telegramId}/preferences"] = f => new(new Dictionary<string, string> { ["telegramId"] = "5551236" }, None,
            Body(new { statusChanges = false, assignments = true, ready = (bool?)null, quietFrom = "23:00", quietTo = "07:00", timeZone = "Europe/Moscow", quietMode = "hold" })),
        ["GET /api/notification-logs"] = f => new(None, Query(("orderId", f.OrderId.ToString(CultureInfo.InvariantCulture)), ("type", "mechanic_status_change"), ("limit", "10")), null),
        ["GET /api/metrics/orders/daily"] = f => new(None, Query(("days", "30")), null),
        ["GET /api/metrics/status-changes"] = f => new(None, Query(("days", "7")), null),
        ["GET /api/metrics/notifications/success-rate"] = f => new(None, Query(("hours", "24")), null),
        ["GET /api/metrics/notifications/failures"] = f => new(None, Query(("hours", "1"), ("limit", "10")), null),
        ["GET /api/metrics/summary"] = f => new(None, None, null),
        ["GET /api/metrics/dashboard"] = f => new(None, None, null),
        ["GET /api/metrics/alerts"] = f => new(None, None, null),
        ["GET /api/metrics/circuit-breakers"] = f => new(None, None, null),
        ["POST /api/work-orders/{id:int}/updates"] = f => new(Id(f.OrderId), None,
            Body(new { status = "diagnosed", notes = "Brake pads worn", issues = "Leak", alertOffice = true, technicianId = "tech-1" })),
        ["POST /api/manual-notifications"] = f => new(None, None, Body(new { technicianId = "tech-1", workOrderId = f.OrderId, message = "Call the client", priority = "urgent" })),
        ["POST /api/alerts"] = f => new(None, None, Body(new
        {
            type = "equipment_alert", message = "Lift 2: pressure low", priority = "high", workOrderId = f.OrderId, recipientIds = new[] { "tech-1" }, office = true,
        })),
        ["GET /api/inbox"] = f => new(None, Query(("userId", "tech-1"), ("unreadOnly", "true"), ("limit", "20")), null),
        ["POST /api/inbox/{notificationId:guid}/read"] = f => new(
            new Dictionary<string, string> { ["notificationId"] = f.NotificationId.ToString() }, None, Body(new { userId = "tech-1" })),
        ["POST /api/inbox/tokens"] = f => new(None, None, Body(new { userId = "tech-1" })),
        ["POST /api/mechanics/{id:int}/telegram-link"] = f => new(Id(f.MechanicId), None, null),
        ["POST /api/users"] = f => new(None, None, Body(new { telegramId = "5550002", name = "Олег" })),
        ["GET /api/users/{id:int}"] = f => new(Id(f.UserId), None, null),
        ["PATCH /api/users/{id:int}"] = f => new(Id(f.UserId), None, Body(new { name = "Анна", telegramId = "5550001" })),
        ["POST /api/users/{id:int}/telegram-link"] = f => new(Id(f.UserId), None, null),
        ["POST /api/bookings"] = f => new(None, None, Body(new
        {
            userId = f.UserId, resourceName = "Стенд <развал>",
            startTime = DateTimeOffset.UtcNow.AddDays(2).ToString("O"), endTime = DateTimeOffset.UtcNow.AddDays(2).AddHours(1).ToString("O"),
        })),
        ["GET /api/bookings/{id:int}"] = f => new(Id(f.BookingId), None, null),
        ["POST /api/bookings/{id:int}/cancel"] = f => new(Id(f.BookingId), None, null),
        ["GET /api/bookings/{id:int}/notifications"] = f => new(Id(f.BookingId), None, null),
        ["POST /api/cabinets"] = f => new(None, None, Body(new { telegramId = f.SellerTelegramId, apiKey = f.SellerKey })),
        ["PUT /api/cabinets/{id:long}/key"] = f => new(new Dictionary<string, string> { ["id"] = f.CabinetId.ToString(CultureInfo.InvariantCulture) }, None,
            Body(new { apiKey = f.SellerKey })),
        ["DELETE /api/cabinets/{id:long}/users/{telegramId:long}"] = f => new(new Dictionary<string, string>
        {
            ["id"] = f.CabinetId.ToString(CultureInfo.InvariantCulture), ["telegramId"] = f.LeavingTelegramId.ToString(CultureInfo.InvariantCulture),
        }, None, null),
        ["GET /api/cabinets/{id:long}"] = f => new(new Dictionary<string, string> { ["id"] = f.CabinetId.ToString(CultureInfo.InvariantCulture) }, None, null),
        ["GET /api/users/{telegramId:long}/notification-settings"] = f => new(TelegramId(f.SellerTelegramId), None, null),
        ["PUT /api/users/{telegramId:long}/notification-settings"] = f => new(TelegramId(f.SellerTelegramId), None, Body(new
        {
            notificationsEnabled = true, newOrdersEnabled = true, orderBuyoutsEnabled = false, orderCancellationsEnabled = true,
            orderReturnsEnabled = true, negativeReviewsEnabled = true, criticalStocksEnabled = true,
        })),
        ["GET /api/users/{telegramId:long}/digest-settings"] = f => new(TelegramId(f.SellerTelegramId), None, null),
        ["PATCH /api/users/{telegramId:long}/digest-settings"] = f => new(TelegramId(f.SellerTelegramId), None, Body(new
        {
            newOrders = "hourly", orderBuyouts = "daily", orderCancellations = "immediate", orderReturns = (string?)null, dailyAt = "09:30",
        })),
    };

    private static Dictionary<string, string> TelegramId(long id) => new() { ["telegramId"] = id.ToString(CultureInfo.InvariantCulture) };

    public static TheoryData<string> Endpoints => [.. Valid.Keys];

    [Fact]
    public void The_suite_covers_every_api_endpoint_the_host_maps()
    {
        fixture.Endpoints.Select(e => e.Key).Should().BeEquivalentTo(Valid.Keys,
            "every /api endpoint needs a valid request in HostileInputTests.Valid, so that its hostile variants are meaningful");
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task Hostile_requests_get_a_4xx_problem_or_a_success_and_a_refusal_writes_nothing(string endpointKey)
    {
        var endpoint = fixture.Endpoints.SingleOrDefault(e => e.Key == endpointKey);
        endpoint.Should().NotBeNull($"the host maps {endpointKey}");
        var requests = HostileRequests.For(endpoint!, Valid[endpointKey](fixture), HostileInputFixture.MaxBodyBytes).ToList();

        var failures = new List<string>();
        var statuses = new SortedDictionary<int, int>();
        var before = await fixture.Digest.TakeAsync();
        foreach (var hostile in requests)
        {
            using var request = new HttpRequestMessage(hostile.Method, hostile.Url) { Content = hostile.Content() };
            foreach (var (name, value) in hostile.Headers) request.Headers.TryAddWithoutValidation(name, value);
            HttpResponseMessage response;
            try
            {
                response = await fixture.Worker.Http.SendAsync(request);
            }
            catch (HttpRequestException ex)
            {
                failures.Add($"{hostile.Name}: the connection failed ({ex.Message})");
                before = await fixture.Digest.TakeAsync();
                continue;
            }
            using (response)
            {
                var status = (int)response.StatusCode;
                statuses[status] = statuses.GetValueOrDefault(status) + 1;
                var after = await fixture.Digest.TakeAsync();
                var problem = await CheckAsync(hostile, response);
                if (problem is not null) failures.Add($"{hostile.Name}: {problem}");
                if (status >= 400 && after != before)
                    failures.Add($"{hostile.Name}: refused with {status} but wrote to {string.Join(", ", DatabaseDigest.Changed(before, after))}");
                before = after;
            }
        }

        output.WriteLine($"{endpointKey}: {requests.Count} requests; statuses {string.Join(", ", statuses.Select(s => $"{s.Key}×{s.Value}"))}");
        foreach (var failure in failures) output.WriteLine("FAILURE " + failure);
        if (failures.Count > 0)
        {
            foreach (var e in fixture.Worker.Logs.Events.Where(e => e.Level >= Serilog.Events.LogEventLevel.Error))
                output.WriteLine($"worker log: {e.RenderMessage()} {e.Exception?.GetType().Name}: {e.Exception?.Message}");
        }
        failures.Should().BeEmpty();
    }

    /// <summary>Null when the answer is acceptable; otherwise what is wrong with it.</summary>
    private static async Task<string?> CheckAsync(HostileRequest hostile, HttpResponseMessage response)
    {
        var status = (int)response.StatusCode;
        var text = await response.Content.ReadAsStringAsync();
        if (hostile.Expected is { } expected && response.StatusCode != expected)
            return $"expected {(int)expected}, got {status} {Snippet(text)}";
        if (hostile.Name == "valid" && status is < 200 or > 299)
            return $"the valid request failed with {status} {Snippet(text)}";
        if (hostile.RejectedByKestrel)
            return status == 400 && text.Length == 0 ? null : $"expected Kestrel's bare 400, got {status} {Snippet(text)}";
        if (status is >= 200 and <= 299) return null;
        if (status is < 400 or > 499) return $"answered {status} {Snippet(text)}";
        if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
            return $"{status} without a ProblemDetails (content type '{response.Content.Headers.ContentType}') {Snippet(text)}";
        if (text.Contains("   at ", StringComparison.Ordinal) || text.Contains("Exception", StringComparison.Ordinal))
            return $"{status} leaks internals: {Snippet(text)}";
        try
        {
            var problem = JsonNode.Parse(text)!.AsObject();
            if (problem["status"]?.GetValue<int>() != status) return $"the problem's status is not {status}: {Snippet(text)}";
            if (string.IsNullOrEmpty(problem["title"]?.GetValue<string>())) return $"the problem has no title: {Snippet(text)}";
            if (hostile.MustName is { } field && problem["errors"]?[field] is null) return $"the problem does not name '{field}' in errors: {Snippet(text)}";
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return $"{status} with a body that is not a ProblemDetails: {Snippet(text)}";
        }
        return null;
    }

    private static string Snippet(string text) => text.Length <= 300 ? text : text[..300] + "…";

    private static JsonObject Body(object value) => JsonSerializer.SerializeToNode(value, JsonSerializerOptions.Web)!.AsObject();

    private static Dictionary<string, string> Id(int id) => new() { ["id"] = id.ToString(CultureInfo.InvariantCulture) };

    private static Dictionary<string, string> Query(params (string Key, string Value)[] values) => values.ToDictionary(v => v.Key, v => v.Value);
}
