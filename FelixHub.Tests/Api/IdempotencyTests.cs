using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using FelixHub.Core.Idempotency;
using FelixHub.Core.Retention;
using FelixHub.Tests.Infrastructure;
using FelixHub.Worker.Api;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace FelixHub.Tests.Api;

/// <summary>Two worker hosts (replicas) on one database and one clock, without Hangfire servers: only requests write.</summary>
public sealed class IdempotencyFixture : IAsyncLifetime
{
    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);
    public TestWorker A { get; private set; } = null!;
    public TestWorker B { get; private set; } = null!;
    public string Database { get; private set; } = "";
    public int MechanicId { get; private set; }

    public async Task InitializeAsync()
    {
        Database = await PostgresServer.CreateDatabaseAsync();
        var settings = new Dictionary<string, string?> { ["Hangfire:ServerEnabled"] = "false" };
        A = await TestWorker.StartAsync(Database, telegram: null, settings, s => s.AddSingleton<TimeProvider>(Clock));
        B = await TestWorker.StartAsync(Database, telegram: null, settings, s => s.AddSingleton<TimeProvider>(Clock));
        MechanicId = (await A.PostAsync<FelixHub.Core.Orders.MechanicResponse>("/api/mechanics", new { name = "Иван", telegramId = "5551000" })).Id;
    }

    public async Task DisposeAsync()
    {
        await A.DisposeAsync();
        await B.DisposeAsync();
        await PostgresServer.DropDatabaseAsync(Database);
    }
}

/// <summary>
/// <c>Idempotency-Key</c> as a client retrying after a timeout uses it: the retry gets the first answer and
/// creates nothing, on whichever replica it lands; another body with the key is a 422; a duplicate of a
/// request still running is a 409; a failed request frees its key; keys expire and the retention job removes them.
/// </summary>
public sealed class IdempotencyTests(IdempotencyFixture fixture) : IClassFixture<IdempotencyFixture>
{
    private static int nextCar;

    private sealed record Answer(HttpStatusCode Status, string Body, string? ContentType, string? Location, bool Replayed, string? RetryAfter)
    {
        public JsonObject Json => JsonNode.Parse(Body)!.AsObject();
    }

    private static string NewKey() => Guid.NewGuid().ToString();

    /// <summary>A car number no other test uses: the orders of one request are counted by it.</summary>
    private static string NewCar() => "ID" + Interlocked.Increment(ref nextCar).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);

    private string OrderJson(string car, string category = "Двигатель") =>
        $$"""{"carNumber":"{{car}}","category":"{{category}}","parts":["Фильтр"],"assignedMechanicId":{{fixture.MechanicId}}}""";

    private static async Task<Answer> PostAsync(TestWorker worker, string url, string json, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (key is not null) request.Headers.TryAddWithoutValidation(Idempotency.Header, key);
        using var response = await worker.Http.SendAsync(request);
        return new Answer(response.StatusCode, await response.Content.ReadAsStringAsync(), response.Content.Headers.ContentType?.MediaType,
            response.Headers.Location?.ToString(),
            response.Headers.TryGetValues(Idempotency.ReplayedHeader, out var replayed) && replayed.Single() == "true",
            response.Headers.RetryAfter?.ToString());
    }

    private async Task<long> ScalarAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(fixture.Database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private Task<long> OrdersOfAsync(string car) => ScalarAsync("SELECT count(*) FROM orders WHERE car_number = @car", ("car", car));

    private Task<long> KeysAsync(string key) => ScalarAsync("SELECT count(*) FROM idempotency_requests WHERE key = @key", ("key", key));

    [Fact]
    public async Task A_retry_with_the_same_key_and_body_gets_the_first_answer_on_either_replica_and_creates_nothing()
    {
        var key = NewKey();
        var car = NewCar();

        var first = await PostAsync(fixture.A, "/api/orders", OrderJson(car), key);
        // The same body written differently (field order, whitespace): the same request.
        var sameBody = $$"""{ "assignedMechanicId": {{fixture.MechanicId}}, "parts": [ "Фильтр" ], "category": "Двигатель", "carNumber": "{{car}}" }""";
        var retryHere = await PostAsync(fixture.A, "/api/orders", sameBody, key);
        var retryThere = await PostAsync(fixture.B, "/api/orders", OrderJson(car), key);

        first.Status.Should().Be(HttpStatusCode.Created);
        first.Replayed.Should().BeFalse();
        first.Location.Should().Be($"/api/orders/{first.Json["id"]}");
        foreach (var retry in new[] { retryHere, retryThere })
        {
            retry.Status.Should().Be(HttpStatusCode.Created);
            retry.Body.Should().Be(first.Body, "the retry gets the first answer");
            retry.ContentType.Should().Be("application/json");
            retry.Location.Should().Be(first.Location);
            retry.Replayed.Should().BeTrue();
        }
        (await OrdersOfAsync(car)).Should().Be(1);
    }

    [Fact]
    public async Task Without_the_header_a_repeat_creates_again()
    {
        var car = NewCar();

        (await PostAsync(fixture.A, "/api/orders", OrderJson(car), key: null)).Status.Should().Be(HttpStatusCode.Created);
        (await PostAsync(fixture.A, "/api/orders", OrderJson(car), key: null)).Status.Should().Be(HttpStatusCode.Created);

        (await OrdersOfAsync(car)).Should().Be(2);
    }

    [Fact]
    public async Task The_same_key_with_another_body_or_path_is_422_and_creates_nothing()
    {
        var key = NewKey();
        var car = NewCar();
        (await PostAsync(fixture.A, "/api/orders", OrderJson(car), key)).Status.Should().Be(HttpStatusCode.Created);

        var otherBody = await PostAsync(fixture.B, "/api/orders", OrderJson(car, category: "Тормоза"), key);

        otherBody.Status.Should().Be(HttpStatusCode.UnprocessableEntity);
        otherBody.ContentType.Should().Be("application/problem+json");
        otherBody.Json["title"]!.GetValue<string>().Should().Contain("Idempotency-Key");
        otherBody.Json["requestId"].Should().NotBeNull();
        (await OrdersOfAsync(car)).Should().Be(1);

        // A work order's update: the key belongs to the first work order's path.
        var update = """{"status":"diagnosed","notes":"Brake pads worn"}""";
        var orderA = (await PostAsync(fixture.A, "/api/orders", OrderJson(NewCar()), null)).Json["id"]!.GetValue<int>();
        var orderB = (await PostAsync(fixture.A, "/api/orders", OrderJson(NewCar()), null)).Json["id"]!.GetValue<int>();
        var updateKey = NewKey();
        var accepted = await PostAsync(fixture.A, $"/api/work-orders/{orderA}/updates", update, updateKey);
        var replayed = await PostAsync(fixture.B, $"/api/work-orders/{orderA}/updates", update, updateKey);
        var otherPath = await PostAsync(fixture.B, $"/api/work-orders/{orderB}/updates", update, updateKey);

        accepted.Status.Should().Be(HttpStatusCode.Accepted);
        replayed.Status.Should().Be(HttpStatusCode.Accepted);
        replayed.Body.Should().Be(accepted.Body);
        otherPath.Status.Should().Be(HttpStatusCode.UnprocessableEntity);
        (await ScalarAsync("SELECT count(*) FROM inbox_notifications WHERE work_order_id = @id", ("id", orderA))).Should().Be(1);
        (await ScalarAsync("SELECT count(*) FROM inbox_notifications WHERE work_order_id = @id", ("id", orderB))).Should().Be(0);
    }

    [Fact]
    public async Task One_key_on_two_endpoints_are_two_requests()
    {
        var key = NewKey();

        var mechanic = await PostAsync(fixture.A, "/api/mechanics", """{"name":"Пётр"}""", key);
        var user = await PostAsync(fixture.A, "/api/users", """{"name":"Пётр"}""", key);

        mechanic.Status.Should().Be(HttpStatusCode.Created);
        user.Status.Should().Be(HttpStatusCode.Created);
        user.Replayed.Should().BeFalse();
        (await KeysAsync(key)).Should().Be(2);
    }

    [Fact]
    public async Task Identical_posts_at_once_on_two_replicas_create_one_order()
    {
        var key = NewKey();
        var car = NewCar();

        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            Task.Run(() => PostAsync(i % 2 == 0 ? fixture.A : fixture.B, "/api/orders", OrderJson(car), key))));

        (await OrdersOfAsync(car)).Should().Be(1);
        answers.Select(a => a.Status).Should().OnlyContain(s => s == HttpStatusCode.Created || s == HttpStatusCode.Conflict);
        var created = answers.Where(a => a.Status == HttpStatusCode.Created).ToList();
        created.Should().NotBeEmpty();
        created.Select(a => a.Body).Distinct().Should().ContainSingle("every 201 is the one order");
        // All eight may be 201s (the first answered before the others claimed); any 409 says when to retry.
        answers.Where(a => a.Status == HttpStatusCode.Conflict && !(a.RetryAfter == "1" && a.ContentType == "application/problem+json"))
            .Should().BeEmpty("every 409 is a problem with Retry-After: 1");
        var later = await PostAsync(fixture.B, "/api/orders", OrderJson(car), key);
        later.Status.Should().Be(HttpStatusCode.Created);
        later.Body.Should().Be(created[0].Body);
        (await OrdersOfAsync(car)).Should().Be(1);
    }

    [Fact]
    public async Task A_duplicate_while_the_first_is_still_running_is_409_and_then_gets_the_first_answer()
    {
        var key = NewKey();
        var car = NewCar();
        // Inserts into orders wait while the test holds this lock: the first request stays in flight.
        await using var blocker = new NpgsqlConnection(fixture.Database);
        await blocker.OpenAsync();
        var lockTransaction = await blocker.BeginTransactionAsync();
        await using (var lockOrders = new NpgsqlCommand("LOCK TABLE orders IN SHARE MODE", blocker, lockTransaction))
            await lockOrders.ExecuteNonQueryAsync();

        var first = PostAsync(fixture.A, "/api/orders", OrderJson(car), key);
        await Eventually.Until(async () => await ScalarAsync(
            "SELECT count(*) FROM idempotency_requests WHERE key = @key AND state = 'in_progress'", ("key", key)) == 1, "the first request claims its key");
        var duplicate = await PostAsync(fixture.B, "/api/orders", OrderJson(car), key);
        await lockTransaction.RollbackAsync();
        var firstAnswer = await first;
        var retry = await PostAsync(fixture.B, "/api/orders", OrderJson(car), key);

        duplicate.Status.Should().Be(HttpStatusCode.Conflict);
        duplicate.RetryAfter.Should().Be("1");
        duplicate.ContentType.Should().Be("application/problem+json");
        duplicate.Json["status"]!.GetValue<int>().Should().Be(409);
        firstAnswer.Status.Should().Be(HttpStatusCode.Created);
        retry.Status.Should().Be(HttpStatusCode.Created);
        retry.Body.Should().Be(firstAnswer.Body);
        (await OrdersOfAsync(car)).Should().Be(1);
    }

    [Fact]
    public async Task A_request_that_is_refused_frees_its_key_for_the_corrected_one()
    {
        var key = NewKey();
        var car = NewCar();

        var refused = await PostAsync(fixture.A, "/api/orders", $$"""{"carNumber":"{{car}}","parts":[]}""", key);
        var keysAfterRefusal = await KeysAsync(key);
        var corrected = await PostAsync(fixture.A, "/api/orders", OrderJson(car), key);

        refused.Status.Should().Be(HttpStatusCode.BadRequest);
        refused.Json["errors"]!["category"].Should().NotBeNull();
        keysAfterRefusal.Should().Be(0, "a request that threw does not keep its key");
        corrected.Status.Should().Be(HttpStatusCode.Created);
        (await OrdersOfAsync(car)).Should().Be(1);
    }

    [Fact]
    public async Task A_claim_left_by_a_worker_that_died_is_taken_over_after_the_lease()
    {
        // The hash of this request, as the filter computes it: taken from a first use under another key.
        var car = NewCar();
        var probeKey = NewKey();
        (await PostAsync(fixture.A, "/api/orders", OrderJson(car), probeKey)).Status.Should().Be(HttpStatusCode.Created);
        var lease = fixture.A.Services.GetRequiredService<IOptions<IdempotencyOptions>>().Value.LeaseSeconds;
        var now = fixture.Clock.GetUtcNow();
        var recent = NewKey();
        var dead = NewKey();
        foreach (var (key, claimedAt) in new[] { (recent, now.AddSeconds(-lease / 2.0)), (dead, now.AddSeconds(-lease - 1)) })
        {
            await ScalarAsync("""
                INSERT INTO idempotency_requests (scope, key, request_hash, state, claim_id, claimed_at, created_at, expires_at)
                SELECT scope, @key, request_hash, 'in_progress', gen_random_uuid(), @claimedAt, @claimedAt, expires_at
                FROM idempotency_requests WHERE key = @probe
                RETURNING 1
                """, ("key", key), ("claimedAt", claimedAt), ("probe", probeKey));
        }

        var stillLeased = await PostAsync(fixture.B, "/api/orders", OrderJson(car), recent);
        var takenOver = await PostAsync(fixture.B, "/api/orders", OrderJson(car), dead);
        var replay = await PostAsync(fixture.A, "/api/orders", OrderJson(car), dead);

        stillLeased.Status.Should().Be(HttpStatusCode.Conflict, "within the lease the first request may still be running");
        takenOver.Status.Should().Be(HttpStatusCode.Created, "past the lease the claim's worker is taken for dead");
        replay.Body.Should().Be(takenOver.Body);
        (await OrdersOfAsync(car)).Should().Be(2, "the probe's order and the one the dead worker never made");
    }

    [Fact]
    public async Task A_key_expires_after_KeepHours_and_the_retention_job_deletes_it()
    {
        var key = NewKey();
        var car = NewCar();
        var keep = TimeSpan.FromHours(fixture.A.Services.GetRequiredService<IOptions<IdempotencyOptions>>().Value.KeepHours);
        keep.Should().Be(TimeSpan.FromHours(24), "the default");

        var first = await PostAsync(fixture.A, "/api/orders", OrderJson(car), key);
        fixture.Clock.Advance(keep - TimeSpan.FromMinutes(1));
        var withinKeep = await PostAsync(fixture.B, "/api/orders", OrderJson(car), key);
        fixture.Clock.Advance(TimeSpan.FromMinutes(2));
        var afterKeep = await PostAsync(fixture.B, "/api/orders", OrderJson(car), key);

        withinKeep.Replayed.Should().BeTrue();
        withinKeep.Body.Should().Be(first.Body);
        afterKeep.Status.Should().Be(HttpStatusCode.Created);
        afterKeep.Replayed.Should().BeFalse("an expired key is free again");
        afterKeep.Json["id"]!.GetValue<int>().Should().NotBe(first.Json["id"]!.GetValue<int>());
        (await OrdersOfAsync(car)).Should().Be(2);

        var retention = () => fixture.A.InScopeAsync(sp => sp.GetRequiredService<RetentionJob>().ExecuteAsync(CancellationToken.None));
        (await retention()).Deleted.Should().ContainKey("idempotency_requests");
        (await KeysAsync(key)).Should().Be(1, "the key's second use is not expired yet");
        fixture.Clock.Advance(keep + TimeSpan.FromMinutes(1));
        (await retention()).Deleted["idempotency_requests"].Should().BeGreaterThanOrEqualTo(1);
        (await KeysAsync(key)).Should().Be(0);
    }
}

/// <summary><c>Idempotency:KeepHours</c> and <c>LeaseSeconds</c> are validated at start; a set keep time is what a key gets.</summary>
public sealed class IdempotencyOptionsTests
{
    [Fact]
    public async Task The_keep_time_is_configurable_and_a_bad_one_stops_the_start()
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        try
        {
            await using (var worker = await TestWorker.StartAsync(database, telegram: null,
                new Dictionary<string, string?> { ["Hangfire:ServerEnabled"] = "false", ["Idempotency:KeepHours"] = "2" }))
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "/api/users") { Content = new StringContent("""{"name":"Анна"}""", Encoding.UTF8, "application/json") };
                request.Headers.Add(Idempotency.Header, "keep-time-test");
                (await worker.Http.SendAsync(request)).StatusCode.Should().Be(HttpStatusCode.Created);
                await using var connection = new NpgsqlConnection(database);
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand("SELECT expires_at - created_at FROM idempotency_requests WHERE key = 'keep-time-test'", connection);
                (await command.ExecuteScalarAsync()).Should().Be(TimeSpan.FromHours(2));
            }

            foreach (var (setting, value) in new[] { ("Idempotency:KeepHours", "0"), ("Idempotency:LeaseSeconds", "0") })
            {
                var start = () => TestWorker.StartAsync(database, telegram: null,
                    new Dictionary<string, string?> { ["Hangfire:ServerEnabled"] = "false", [setting] = value });
                (await start.Should().ThrowAsync<OptionsValidationException>()).Which.Message.Should().Contain(setting.Split(':')[1]);
            }
        }
        finally
        {
            await PostgresServer.DropDatabaseAsync(database);
        }
    }
}
