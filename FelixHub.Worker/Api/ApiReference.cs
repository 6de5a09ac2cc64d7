using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using FelixHub.Core.Bookings;
using FelixHub.Core.Common;
using FelixHub.Core.Inbox;
using FelixHub.Core.Orders;
using FelixHub.Core.Recipients;
using FelixHub.Core.Wildberries.Cabinets;
using FelixHub.Worker.Hosting;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace FelixHub.Worker.Api;

/// <summary>
/// The API's description: the OpenAPI document at <c>/openapi/v1.json</c> (ASP.NET Core's built-in
/// generator, from the endpoints' metadata) and the Scalar reference page at <c>/api/docs</c>, both
/// answered under the same access rule as <c>/api</c>.
/// </summary>
public static class ApiReference
{
    public const string DocumentName = "v1";
    public const string DocumentRoute = "/openapi/{documentName}.json";
    public const string DocumentPath = "/openapi/" + DocumentName + ".json";
    public const string DocsPath = "/api/docs";

    public static IServiceCollection AddFelixHubOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(DocumentName, options =>
        {
            // The document describes the HTTP API: /api, not the probes, the socket or Telegram's webhook.
            options.ShouldInclude = description => description.RelativePath is { } path
                && path.StartsWith("api/", StringComparison.Ordinal) && !path.StartsWith(DocsPath[1..], StringComparison.Ordinal);
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "FelixHub HTTP API",
                    Version = DocumentName,
                    Description = """
                        Mechanics, orders, bookings, in-app notifications, WB cabinets and metrics.
                        Requests and answers are UTF-8 JSON in camelCase. A Telegram id is a string in every
                        answer and may be sent as a JSON string or a JSON integer. Errors are RFC 7807
                        ProblemDetails carrying the `requestId`; a 400 names each wrong field in `errors`.
                        The POSTs that create something take an optional `Idempotency-Key` header: a retry with the
                        same key and body answers the first answer and creates nothing.
                        """,
                };
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes[ApiKeyScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.ApiKey,
                    In = ParameterLocation.Header,
                    Name = AccessPolicy.ApiKeyHeader,
                    Description = "Required when Api:Key is set; without a key, callers from Api:TrustedNetworks (loopback by default) need none.",
                };
                document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeyScheme, document)] = [] }];
                return Task.CompletedTask;
            });
            options.AddSchemaTransformer<IdSchemaTransformer>();
            options.AddOperationTransformer<CommonAnswersTransformer>();
            options.AddOperationTransformer<IdempotencyKeyTransformer>();
        });

    private const string ApiKeyScheme = "apiKey";
    private const string ProblemSchemaId = "ProblemDetails";

    /// <summary>The document and the reference page, refused like <c>/api</c> to a caller it refuses.</summary>
    public static WebApplication MapFelixHubApiReference(this WebApplication app)
    {
        var access = app.Services.GetRequiredService<AccessPolicy>();
        app.UseWhen(http => http.Request.Path.StartsWithSegments("/openapi") || http.Request.Path.StartsWithSegments(DocsPath),
            branch => branch.Use(async (http, next) =>
            {
                if (access.ApiRefusal(http) is { } refusal)
                {
                    await refusal.ExecuteAsync(http);
                    return;
                }
                await next(http);
            }));
        app.MapOpenApi(DocumentRoute);
        // Scalar's page and its script ship in the package: nothing is loaded from a CDN. Its calls
        // home (telemetry, the AI agent, the developer toolbar) are switched off.
        app.MapScalarApiReference(DocsPath, options =>
        {
            options.WithTitle("FelixHub HTTP API")
                .WithOpenApiRoutePattern(DocumentRoute)
                .AddDocument(DocumentName);
            options.Telemetry = false;
            options.Agent = new ScalarAgentOptions { Disabled = true };
            options.ShowDeveloperTools = DeveloperToolsVisibility.Never;
            options.DotNetFlag = false;
        });
        return app;
    }

    /// <summary>
    /// Declares a ProblemDetails answer of an endpoint with what it means there: 400 as a validation
    /// problem (<c>errors</c> names each field), any other status as a ProblemDetails.
    /// </summary>
    public static RouteHandlerBuilder Answers(this RouteHandlerBuilder builder, int statusCode, string description) =>
        (statusCode == StatusCodes.Status400BadRequest ? builder.ProducesValidationProblem() : builder.ProducesProblem(statusCode))
            .WithMetadata(new ProblemAnswer(statusCode, description));

    /// <summary>What a declared problem answer means for one endpoint (the document's response description).</summary>
    public sealed record ProblemAnswer(int StatusCode, string Description);

    /// <summary>
    /// What the document says of each request body beyond its shape: an example, in the API's own JSON
    /// (a test reads each back into its type), and the fields the endpoint requires. The JSON reader
    /// requires none (a missing field is null); the endpoint's validation answers 400 naming it.
    /// </summary>
    public sealed record RequestContract(object Example, params string[] Required);

    public static IReadOnlyDictionary<Type, RequestContract> RequestContracts { get; } = new Dictionary<Type, RequestContract>
    {
        [typeof(CreateMechanicRequest)] = new(new CreateMechanicRequest("Иван Петров", "123456789"), "name"),
        [typeof(UpdateMechanicRequest)] = new(new UpdateMechanicRequest(null, "@ivan_petrov", true)),
        [typeof(CreateOrderRequest)] = new(new CreateOrderRequest("AB1234CD", "Двигатель", ["Масляный фильтр", "Свечи зажигания"], 7, "987654321"), "carNumber", "category"),
        [typeof(UpdateOrderRequest)] = new(new UpdateOrderRequest("в работе", 7)),
        [typeof(UpdateRecipientPreferencesRequest)] = new(new UpdateRecipientPreferencesRequest(false, null, null, "23:00", "07:00", "Europe/Moscow", "hold")),
        [typeof(CreateUserRequest)] = new(new CreateUserRequest("123456789", "Анна")),
        [typeof(UpdateUserRequest)] = new(new UpdateUserRequest("Анна Смирнова", "987654321")),
        [typeof(CreateBookingRequest)] = new(new CreateBookingRequest(12, "Подъёмник 1", IsoTimestamp.Example, "2026-05-01T15:00:00+03:00"),
            "userId", "resourceName", "startTime", "endTime"),
        [typeof(WorkOrderUpdateRequest)] = new(new WorkOrderUpdateRequest("diagnosed", "Brake pads worn", "Oil leak at the rear axle", true, "tech-17"), "status"),
        [typeof(ManualNotificationRequest)] = new(new ManualNotificationRequest("tech-17", 1042, "Call the client before noon", "high"),
            "technicianId", "workOrderId", "message"),
        [typeof(AlertRequest)] = new(new AlertRequest(InboxNotificationType.EquipmentAlert, "Lift 2: hydraulic pressure low", "high", 1042, ["tech-17"], true),
            "type", "message"),
        [typeof(MarkReadRequest)] = new(new MarkReadRequest("tech-17")),
        [typeof(InboxTokenRequest)] = new(new InboxTokenRequest("tech-17"), "userId"),
        [typeof(RegisterCabinetRequest)] = new(new RegisterCabinetRequest("123456789",
            "eyJhbGciOiJFUzI1NiIsImtpZCI6IjIwMjUwMTIwdjEiLCJ0eXAiOiJKV1QifQ.eyJleHAiOjE3OTk5OTk5OTl9.c2lnbmF0dXJl"), "telegramId", "apiKey"),
        [typeof(ReplaceKeyRequest)] = new(new ReplaceKeyRequest(
            "eyJhbGciOiJFUzI1NiIsImtpZCI6IjIwMjUwMTIwdjEiLCJ0eXAiOiJKV1QifQ.eyJleHAiOjE3OTk5OTk5OTl9.c2lnbmF0dXJl"), "apiKey"),
        [typeof(NotificationSettingsDto)] = new(new NotificationSettingsDto(true, true, false, true, true, true, false),
            "notificationsEnabled", "newOrdersEnabled", "orderBuyoutsEnabled", "orderCancellationsEnabled", "orderReturnsEnabled",
            "negativeReviewsEnabled", "criticalStocksEnabled"),
        [typeof(UpdateDigestSettingsRequest)] = new(new UpdateDigestSettingsRequest("hourly", NegativeReviews: "daily", CriticalStocks: "immediate", DailyAt: "09:00")),
    };

    /// <summary>An example serialized as the API writes JSON, leaving out the fields it does not set.</summary>
    public static JsonNode Serialize(object example, JsonSerializerOptions api) =>
        JsonSerializer.SerializeToNode(example, example.GetType(), new JsonSerializerOptions(api) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull })!;

    /// <summary>
    /// Telegram ids and inbox user ids are read by converters the schema generator cannot see into: their
    /// schemas say what the converters accept (a string or an integer) and what they write.
    /// </summary>
    private sealed class IdSchemaTransformer : IOpenApiSchemaTransformer
    {
        public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
        {
            // A record's constructor parameters come out required; a request requires what its endpoint validates.
            if (context.JsonPropertyInfo is null && RequestContracts.TryGetValue(context.JsonTypeInfo.Type, out var contract))
                schema.Required = new HashSet<string>(contract.Required, StringComparer.Ordinal);

            var converter = context.JsonPropertyInfo?.CustomConverter;
            if (converter is InboxUserIdListJsonConverter)
            {
                schema.Type = JsonSchemaType.Array | JsonSchemaType.Null;
                schema.Items = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Integer };
                schema.Description = $"User ids of the office platform or the technician app: each 1–{InboxUserId.MaxLength} characters of A-Z a-z 0-9 . _ : @ -, as a JSON string or a JSON integer.";
                schema.Examples = [new JsonArray("tech-17", "office-1")];
                return Task.CompletedTask;
            }
            if (converter is not (TelegramIdJsonConverter or InboxUserIdJsonConverter)) return Task.CompletedTask;
            var nullable = context.JsonPropertyInfo!.IsGetNullable || (schema.Type ?? 0).HasFlag(JsonSchemaType.Null);
            schema.Type = JsonSchemaType.String | JsonSchemaType.Integer | (nullable ? JsonSchemaType.Null : 0);
            schema.Format = null;
            if (converter is TelegramIdJsonConverter)
            {
                schema.Description = $"A Telegram id: {TelegramChatId.Expected[(TelegramChatId.Expected.IndexOf(':', StringComparison.Ordinal) + 2)..]}. Answers always give it as a string.";
                schema.Examples = [JsonValue.Create("123456789")];
            }
            else
            {
                schema.Description = $"A user id of the office platform or the technician app: 1–{InboxUserId.MaxLength} characters of A-Z a-z 0-9 . _ : @ -, as a JSON string or a JSON integer.";
                schema.Examples = [JsonValue.Create("tech-17")];
            }
            return Task.CompletedTask;
        }
    }

    /// <summary>
    /// What every <c>/api</c> operation shares: the 401/403 of the access rule, the 503 of an unreachable
    /// database, and for a body the 413/415 and a request example; and an example of each 400.
    /// </summary>
    private sealed class CommonAnswersTransformer(IOptions<JsonOptions> json) : IOpenApiOperationTransformer
    {
        public async Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
        {
            operation.Responses ??= [];
            var document = context.Document!;
            document.Components ??= new OpenApiComponents();
            document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
            if (!document.Components.Schemas.ContainsKey(ProblemSchemaId))
                document.Components.Schemas[ProblemSchemaId] = await context.GetOrCreateSchemaAsync(typeof(Microsoft.AspNetCore.Mvc.ProblemDetails), null, cancellationToken);
            var problemSchema = new OpenApiSchemaReference(ProblemSchemaId, document);
            var metadata = context.Description.ActionDescriptor.EndpointMetadata;
            var bodyType = metadata.OfType<IAcceptsMetadata>().FirstOrDefault()?.RequestType;
            foreach (var answer in metadata.OfType<ProblemAnswer>())
            {
                if (operation.Responses.TryGetValue(answer.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture), out var declared) && declared is OpenApiResponse response)
                    response.Description = answer.Description;
            }

            Problem(operation, problemSchema, StatusCodes.Status401Unauthorized, $"Api:Key is set and the request has no valid {AccessPolicy.ApiKeyHeader} header.");
            Problem(operation, problemSchema, StatusCodes.Status403Forbidden, "No Api:Key is set and the caller is outside Api:TrustedNetworks.");
            if (operation.Responses.TryGetValue("503", out var unavailable) && unavailable is OpenApiResponse own)
                own.Description = (own.Description ?? "").TrimEnd('.') + "; or the database is unavailable (with Retry-After: 5).";
            else
                Problem(operation, problemSchema, StatusCodes.Status503ServiceUnavailable, "The database is unavailable; try again shortly (Retry-After: 5).");

            if (bodyType is not null)
            {
                Problem(operation, problemSchema, StatusCodes.Status413PayloadTooLarge, "The body is larger than Api:MaxRequestBodyBytes.");
                Problem(operation, problemSchema, StatusCodes.Status415UnsupportedMediaType, "The body is not JSON, or declares a charset other than UTF-8.");
                if (RequestContracts.TryGetValue(bodyType, out var contract)
                    && operation.RequestBody?.Content is { } content && content.TryGetValue("application/json", out var media))
                    media.Example = Serialize(contract.Example, json.Value.SerializerOptions);
            }

            if (operation.Responses.TryGetValue("400", out var invalid) && invalid.Content is { } problems)
            {
                var first = bodyType is null ? null : json.Value.SerializerOptions.GetTypeInfo(bodyType).Properties.FirstOrDefault();
                var field = first?.Name ?? context.Description.ParameterDescriptions.FirstOrDefault()?.Name ?? "id";
                var expected = first is null ? "a positive id" : JsonBodyErrors.Expected(first.PropertyType, first.CustomConverter?.GetType());
                foreach (var media in problems.Values)
                    media.Example = new JsonObject
                    {
                        ["type"] = "https://tools.ietf.org/html/rfc9110#section-15.5.1",
                        ["title"] = "The request is invalid.",
                        ["status"] = 400,
                        ["errors"] = new JsonObject { [field] = new JsonArray($"'{field}' must be {expected}.") },
                        ["requestId"] = "4f1c2d8e9a7b4c3d8e2f1a0b9c8d7e6f",
                    };
            }
        }

        private static void Problem(OpenApiOperation operation, IOpenApiSchema schema, int status, string description)
        {
            var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (operation.Responses!.ContainsKey(key)) return;
            operation.Responses[key] = new OpenApiResponse
            {
                Description = description,
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/problem+json"] = new() { Schema = schema },
                },
            };
        }
    }
}
