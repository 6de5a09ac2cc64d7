using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FelixHub.Tests.Infrastructure;
using FelixHub.Tests.Monitoring;
using FelixHub.Tests.Reliability;
using FelixHub.Worker.Api;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FelixHub.Tests.Api;

/// <summary>
/// <c>/openapi/v1.json</c> against the endpoints the host maps: every <c>/api</c> endpoint is described
/// (and nothing else), with its parameters, its body as the contract record reads it, an example the
/// endpoint accepts, and its answers.
/// </summary>
public sealed partial class OpenApiDocumentTests(WorkerFixture fixture) : IClassFixture<WorkerFixture>
{
    private IReadOnlyList<ApiEndpoint> Mapped => ApiSurface.Discover(fixture.Worker.Services);

    private JsonSerializerOptions ApiJson =>
        fixture.Worker.Services.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;

    private async Task<JsonObject> DocumentAsync()
    {
        var response = await fixture.Worker.Http.GetAsync(ApiReference.DocumentPath);
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    /// <summary><c>/api/orders/{id:int}</c> → <c>/api/orders/{id}</c>, as OpenAPI writes a path.</summary>
    private static string DocumentPath(string route) => RouteConstraint().Replace(route, "{$1}");

    private static JsonObject Operation(JsonObject document, ApiEndpoint endpoint) =>
        document["paths"]![DocumentPath(endpoint.Route)]![endpoint.Method.ToLowerInvariant()]!.AsObject();

    /// <summary>The schema itself, or the one it refers to; for an optional body (<c>oneOf: [null, $ref]</c>) the non-null one.</summary>
    private static JsonObject Resolve(JsonObject document, JsonNode schema)
    {
        if (schema["oneOf"] is JsonArray choices)
            schema = choices.Single(c => Types(c!["type"]).SequenceEqual(["null"]) is false)!;
        var reference = schema["$ref"]?.GetValue<string>();
        return reference is null ? schema.AsObject() : document["components"]!["schemas"]![reference.Split('/')[^1]]!.AsObject();
    }

    private static IEnumerable<string> Types(JsonNode? type) =>
        type is null ? [] : type is JsonArray many ? many.Select(t => t!.GetValue<string>()) : [type.GetValue<string>()];

    [Fact]
    public async Task Every_mapped_api_endpoint_is_described_and_nothing_else_is()
    {
        var document = await DocumentAsync();

        var described = document["paths"]!.AsObject()
            .SelectMany(path => path.Value!.AsObject().Select(op => $"{op.Key.ToUpperInvariant()} {path.Key}"))
            .ToList();

        Mapped.Should().NotBeEmpty();
        described.Should().BeEquivalentTo(Mapped.Select(e => $"{e.Method} {DocumentPath(e.Route)}"),
            "every /api endpoint the host maps must be in the OpenAPI document (and the document describes /api only)");
    }

    [Fact]
    public async Task Every_operation_has_a_summary_its_parameters_and_its_answers()
    {
        var document = await DocumentAsync();
        var failures = new List<string>();

        foreach (var endpoint in Mapped)
        {
            var operation = Operation(document, endpoint);
            var responses = operation["responses"]!.AsObject();
            if (string.IsNullOrWhiteSpace(operation["summary"]?.GetValue<string>())) failures.Add($"{endpoint.Key}: no summary");
            if (string.IsNullOrWhiteSpace(operation["operationId"]?.GetValue<string>())) failures.Add($"{endpoint.Key}: no operationId");

            var success = responses.Where(r => r.Key.StartsWith('2')).ToList();
            // A 204 (a DELETE) has no body; every other success answers JSON.
            if (success.Count != 1 || (success[0].Key == "204" ? success[0].Value!["content"] is not null : success[0].Value!["content"]?["application/json"]?["schema"] is null))
                failures.Add($"{endpoint.Key}: no single 2xx answer with a JSON schema (or a bare 204)");

            var problems = new List<string> { "401", "403", "503" };
            if (endpoint.HasBody || endpoint.QueryParameters.Count > 0) problems.Add("400");
            if (endpoint.HasBody) problems.AddRange(["413", "415"]);
            if (endpoint.RouteParameters.Any(p => p.Name is "id" or "notificationId")) problems.Add("404");
            if (endpoint.Idempotent) problems.AddRange(["409", "422"]);
            foreach (var status in problems)
            {
                if (responses[status]?["content"]?["application/problem+json"]?["schema"] is null)
                    failures.Add($"{endpoint.Key}: no {status} ProblemDetails answer");
                else if (string.IsNullOrWhiteSpace(responses[status]!["description"]?.GetValue<string>()))
                    failures.Add($"{endpoint.Key}: the {status} answer has no description");
            }
            if (responses["400"]?["content"]?["application/problem+json"] is { } invalid)
            {
                if (Resolve(document, invalid["schema"]!)["properties"]?["errors"] is null)
                    failures.Add($"{endpoint.Key}: the 400 answer's schema has no 'errors'");
                if (invalid["example"]?["errors"] is not JsonObject { Count: > 0 })
                    failures.Add($"{endpoint.Key}: the 400 answer has no example naming a field");
            }

            var parameters = operation["parameters"]?.AsArray().Select(p => $"{p!["in"]} {p["name"]}").ToList() ?? [];
            var expected = endpoint.RouteParameters.Select(p => $"path {p.Name}").Concat(endpoint.QueryParameters.Select(q => $"query {q}"))
                .Concat(endpoint.Idempotent ? [$"header {Idempotency.Header}"] : []);
            if (!parameters.ToHashSet().SetEquals(expected))
                failures.Add($"{endpoint.Key}: parameters [{string.Join(", ", parameters)}], the endpoint binds [{string.Join(", ", expected)}]");
        }

        failures.Should().BeEmpty();
    }

    [Fact]
    public async Task Every_request_body_is_described_as_the_contract_reads_it_with_an_example_the_endpoint_accepts()
    {
        var document = await DocumentAsync();
        var failures = new List<string>();
        var bodies = Mapped.Where(e => e.HasBody).ToList();
        bodies.Should().NotBeEmpty();

        foreach (var endpoint in bodies)
        {
            var media = Operation(document, endpoint)["requestBody"]?["content"]?["application/json"];
            if (media is null)
            {
                failures.Add($"{endpoint.Key}: no application/json request body");
                continue;
            }
            var schema = Resolve(document, media["schema"]!);
            var properties = schema["properties"]!.AsObject();
            var documented = properties.Select(p => p.Key).ToList();
            var contract = endpoint.BodyProperties.Select(p => p.JsonName).ToList();
            if (!documented.ToHashSet().SetEquals(contract))
                failures.Add($"{endpoint.Key}: the document's body has [{string.Join(", ", documented)}], {endpoint.BodyType!.Name} reads [{string.Join(", ", contract)}]");
            if (schema["additionalProperties"]?.GetValue<bool>() != false)
                failures.Add($"{endpoint.Key}: unknown fields are refused (400), but the schema allows additional properties");
            foreach (var required in schema["required"]?.AsArray().Select(r => r!.GetValue<string>()) ?? [])
                if (!contract.Contains(required)) failures.Add($"{endpoint.Key}: requires '{required}', which {endpoint.BodyType!.Name} does not have");

            foreach (var property in endpoint.BodyProperties.Where(p => p.JsonName.EndsWith("elegramId", StringComparison.Ordinal)))
            {
                var types = Types(properties[property.JsonName]?["type"]).ToList();
                if (property.Type != typeof(string) || !types.Contains("string") || !types.Contains("integer"))
                    failures.Add($"{endpoint.Key}: '{property.JsonName}' must be a string in the model and a string or an integer in the document (is {property.Type.Name}, [{string.Join(", ", types)}])");
            }

            if (media["example"] is not JsonObject example)
            {
                failures.Add($"{endpoint.Key}: no request example");
                continue;
            }
            try
            {
                // The host's own options: unknown fields and numbers in strings are refused, as on the wire.
                example.Deserialize(endpoint.BodyType!, ApiJson).Should().NotBeNull();
                example.Select(p => p.Key).Should().BeSubsetOf(contract);
            }
            catch (JsonException ex)
            {
                failures.Add($"{endpoint.Key}: the example is not a {endpoint.BodyType!.Name}: {ex.Message}");
            }
        }

        failures.Should().BeEmpty();
    }

    [Fact]
    public async Task Every_post_that_creates_something_takes_an_Idempotency_Key_and_the_document_says_so()
    {
        var document = await DocumentAsync();

        // A POST that answers 201/202 creates something. The one-time Telegram links are left out on
        // purpose: their answer is a secret stored only as a hash, and a replay would have to keep it.
        var creating = Mapped.Where(e => e.Method == "POST" && !e.Route.EndsWith("/telegram-link", StringComparison.Ordinal)
            && Operation(document, e)["responses"]!.AsObject().Any(r => r.Key is "201" or "202")).Select(e => e.Key).ToList();
        creating.Should().Contain(["POST /api/mechanics", "POST /api/orders", "POST /api/users", "POST /api/bookings",
            "POST /api/manual-notifications", "POST /api/work-orders/{id:int}/updates", "POST /api/cabinets"]);
        Mapped.Where(e => e.Idempotent).Select(e => e.Key).Should().BeEquivalentTo(creating,
            "every POST that creates something takes Idempotency-Key (.Idempotent() on the endpoint)");
        foreach (var endpoint in Mapped.Where(e => e.Idempotent))
        {
            var operation = Operation(document, endpoint);
            var header = operation["parameters"]!.AsArray().Single(p => p!["in"]!.GetValue<string>() == "header")!;
            header["name"]!.GetValue<string>().Should().Be(Idempotency.Header);
            header["required"]?.GetValue<bool>().Should().NotBe(true, "without the header the endpoint works as before");
            header["description"]!.GetValue<string>().Should().Contain("same key");
            header["schema"]!["maxLength"]!.GetValue<int>().Should().Be(255);
            var responses = operation["responses"]!.AsObject();
            responses["400"]!["description"]!.GetValue<string>().Should().Contain(Idempotency.Header, endpoint.Key);
            responses["409"]!["description"]!.GetValue<string>().Should().Contain("still running", endpoint.Key);
            responses["422"]!["description"]!.GetValue<string>().Should().Contain("another request", endpoint.Key);
            responses.Single(r => r.Key.StartsWith('2')).Value!["headers"]?[Idempotency.ReplayedHeader].Should().NotBeNull(endpoint.Key);
        }
    }

    [Fact]
    public async Task A_telegram_id_is_a_string_in_every_answer_schema()
    {
        var document = await DocumentAsync();
        var schemas = document["components"]!["schemas"]!.AsObject();

        var ids = schemas.Where(s => s.Key.EndsWith("Response", StringComparison.Ordinal) || s.Key == "FailureEntry")
            .SelectMany(s => s.Value!["properties"]?.AsObject().Where(p => p.Key.EndsWith("elegramId", StringComparison.Ordinal))
                .Select(p => (Where: $"{s.Key}.{p.Key}", Types: Types(p.Value!["type"]).ToList())) ?? [])
            .ToList();

        ids.Select(i => i.Where).Should().Contain(["CabinetUserResponse.telegramId", "MechanicResponse.telegramId", "UserResponse.telegramId", "OrderResponse.customerTelegramId"]);
        ids.Should().OnlyContain(i => i.Types.Contains("string") && !i.Types.Contains("integer"), "answers give a Telegram id as a string");
    }

    [Fact]
    public async Task The_reference_page_is_served_by_the_worker_and_reads_the_document()
    {
        var page = await fixture.Worker.Http.GetAsync(ApiReference.DocsPath);
        page.StatusCode.Should().Be(HttpStatusCode.OK);
        page.Content.Headers.ContentType!.MediaType.Should().Be("text/html");
        var html = await page.Content.ReadAsStringAsync();
        html.Should().Contain("openapi/v1.json").And.Contain("<script src=\"scalar.js\">").And.NotContain("https://", "the page loads nothing from a CDN");

        var script = await fixture.Worker.Http.GetAsync(ApiReference.DocsPath + "/scalar.js");
        script.StatusCode.Should().Be(HttpStatusCode.OK);
        (await script.Content.ReadAsByteArrayAsync()).Length.Should().BeGreaterThan(100_000, "the Scalar bundle ships in the worker");
    }

    [GeneratedRegex(@"\{([^}:?]+)[^}]*\}")]
    private static partial Regex RouteConstraint();
}

/// <summary>The document and the reference page answer whom <c>/api</c> answers, and refuse whom it refuses.</summary>
public sealed class OpenApiAccessTests(NarrowTrustFixture fixture) : IClassFixture<NarrowTrustFixture>
{
    [Theory]
    [InlineData("/api/notification-logs")]
    [InlineData(ApiReference.DocumentPath)]
    [InlineData(ApiReference.DocsPath)]
    [InlineData(ApiReference.DocsPath + "/")]
    [InlineData(ApiReference.DocsPath + "/scalar.js")]
    public async Task Outside_the_trusted_networks_the_description_is_refused_like_the_api(string path)
    {
        using var outsider = Outsider.Client(fixture.Worker.Http.BaseAddress!);

        var refused = await outsider.GetAsync(path);

        refused.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        refused.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        (await fixture.Worker.Http.GetAsync(path)).StatusCode.Should().Be(HttpStatusCode.OK, "127.0.0.1 is trusted");
    }
}

public sealed class OpenApiKeyTests(ApiKeyFixture fixture) : IClassFixture<ApiKeyFixture>
{
    [Theory]
    [InlineData(ApiReference.DocumentPath)]
    [InlineData(ApiReference.DocsPath + "/")]
    public async Task With_a_key_configured_the_description_wants_it_like_the_api(string path)
    {
        var http = fixture.Worker.Http;
        (await http.GetAsync(path)).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        using (var wrong = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { { "X-Api-Key", "guess" } } })
            (await http.SendAsync(wrong)).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        using var right = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { { "X-Api-Key", ApiKeyFixture.Key } } };
        (await http.SendAsync(right)).StatusCode.Should().Be(HttpStatusCode.OK);
    }
}
