using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FelixHub.Core.Common;
using FelixHub.Core.Idempotency;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;

namespace FelixHub.Worker.Api;

/// <summary>
/// <c>Idempotency-Key</c> on the endpoints that create something (<see cref="Idempotent"/>): a retry with
/// the same key and the same request gets the first answer again (same status, body and <c>Location</c>)
/// and creates nothing; the same key with another request is a 422; while the first is still running, a
/// 409 with <c>Retry-After</c>. Keys live in PostgreSQL (<see cref="IdempotencyStore"/>), so every replica
/// sees them. Without the header an endpoint behaves as before.
/// </summary>
public static class Idempotency
{
    public const string Header = "Idempotency-Key";

    /// <summary>Set on an answer that is a stored first answer, not a new run.</summary>
    public const string ReplayedHeader = "Idempotent-Replayed";

    public const string Expected = "'Idempotency-Key' must be one value of 1-255 visible ASCII characters (no spaces), e.g. a UUID.";

    /// <summary>Takes <c>Idempotency-Key</c> on this endpoint; the document describes the header and the 409/422 answers.</summary>
    public static RouteHandlerBuilder Idempotent(this RouteHandlerBuilder builder) =>
        builder.WithMetadata(IdempotentEndpoint.Instance)
            .AddEndpointFilter<IdempotencyFilter>()
            .Answers(StatusCodes.Status409Conflict, $"A request with the same {Header} is still running (here or on another replica); try again after Retry-After seconds.")
            .Answers(StatusCodes.Status422UnprocessableEntity, $"This {Header} was first used with another request (another body or path); use a new key for a new request.");

    /// <summary>
    /// The key, or null when the request has none; throws the 400 naming the header for a bad one.
    /// A structured-field string (<c>"…"</c>, as the IETF draft writes it) is read without its quotes.
    /// </summary>
    public static string? ReadKey(HttpRequest request)
    {
        if (!request.Headers.TryGetValue(Header, out var values)) return null;
        if (values.Count != 1) throw RequestValidationException.For(Header, Expected + $" The request has {values.Count}.");
        var key = values[0] ?? "";
        if (key.Length >= 2 && key[0] == '"' && key[^1] == '"') key = key[1..^1];
        if (key.Length is 0 or > IdempotencyStore.MaxKeyLength || key.Any(c => c is < '!' or > '~'))
            throw RequestValidationException.For(Header, Expected);
        return key;
    }
}

/// <summary>Endpoint metadata: the endpoint takes <c>Idempotency-Key</c>.</summary>
public sealed class IdempotentEndpoint
{
    public static readonly IdempotentEndpoint Instance = new();

    private IdempotentEndpoint()
    {
    }
}

/// <summary>
/// Runs after the access check and the body's binding (a body the endpoint cannot read is refused
/// before a key is claimed). A request that throws or answers 5xx frees its key, so a retry runs again;
/// any other answer is stored and replayed.
/// </summary>
internal sealed partial class IdempotencyFilter(IdempotencyStore store, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json,
    ILogger<IdempotencyFilter> logger) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (Idempotency.ReadKey(http.Request) is not { } key) return await next(context);

        var endpoint = http.GetEndpoint() as RouteEndpoint;
        var scope = $"{http.Request.Method} {endpoint?.RoutePattern.RawText ?? http.Request.Path.Value}";
        // The claim is not tied to the caller's connection: a claim half-made would hold the key for a lease.
        var decision = await store.ClaimAsync(scope, key, RequestHash(context, endpoint), CancellationToken.None);
        switch (decision)
        {
            case IdempotencyDecision.Replay replay:
                LogReplayed(logger, key, scope, replay.StatusCode);
                return new ReplayResult(replay);
            case IdempotencyDecision.InProgress:
                LogRefused(logger, key, scope, StatusCodes.Status409Conflict);
                http.Response.Headers.RetryAfter = "1";
                return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "A request with this Idempotency-Key is still running.",
                    detail: $"The first request with this {Idempotency.Header} has not finished yet. Retry after it does: you will get its answer.");
            case IdempotencyDecision.OtherRequest:
                LogRefused(logger, key, scope, StatusCodes.Status422UnprocessableEntity);
                return Results.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "This Idempotency-Key was used for another request.",
                    detail: $"The {Idempotency.Header} was first used on {scope} with a different body or path. Use a new key for a new request.");
        }

        var claim = ((IdempotencyDecision.Run)decision).Claim;
        object? result;
        try
        {
            result = await next(context);
        }
        catch
        {
            await store.FinishQuietlyAsync(claim, () => store.ReleaseAsync(claim));
            throw;
        }
        if (result is IResult answer) return new RecordingResult(answer, claim, store);
        // Every idempotent endpoint answers an IResult; anything else is not kept.
        await store.FinishQuietlyAsync(claim, () => store.ReleaseAsync(claim));
        return result;
    }

    /// <summary>What makes two requests "the same": method, path, query, and the body as the endpoint read it (so whitespace, field order or <c>123</c> vs <c>"123"</c> do not differ).</summary>
    private byte[] RequestHash(EndpointFilterInvocationContext context, RouteEndpoint? endpoint)
    {
        var request = context.HttpContext.Request;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes($"{request.Method} {request.Path.Value}{request.QueryString.Value}\n"));
        if (endpoint?.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType is { } bodyType)
        {
            var body = context.Arguments.FirstOrDefault(a => a is not null && bodyType.IsInstanceOfType(a));
            hash.AppendData(JsonSerializer.SerializeToUtf8Bytes(body, bodyType, json.Value.SerializerOptions));
        }
        return hash.GetHashAndReset();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Idempotency-Key {Key} of {Scope}: replayed the first answer ({Status})")]
    private static partial void LogReplayed(ILogger logger, string key, string scope, int status);

    [LoggerMessage(Level = LogLevel.Information, Message = "Idempotency-Key {Key} of {Scope}: refused with {Status}")]
    private static partial void LogRefused(ILogger logger, string key, string scope, int status);
}

/// <summary>Writes the endpoint's answer into a buffer, keeps it (or frees the key on a 5xx), then sends it.</summary>
internal sealed class RecordingResult(IResult inner, IdempotencyClaim claim, IdempotencyStore store) : IResult
{
    public async Task ExecuteAsync(HttpContext http)
    {
        var response = http.Response;
        var original = response.Body;
        using var buffer = new MemoryStream();
        response.Body = buffer;
        try
        {
            await inner.ExecuteAsync(http);
        }
        catch
        {
            await store.FinishQuietlyAsync(claim, () => store.ReleaseAsync(claim));
            throw;
        }
        finally
        {
            response.Body = original;
        }

        // The endpoint's work is done: its answer goes out even if it cannot be recorded.
        var status = response.StatusCode;
        var location = response.Headers.Location.ToString() is { Length: > 0 } l ? l : null;
        await store.FinishQuietlyAsync(claim, () => status >= 500
            ? store.ReleaseAsync(claim)
            : store.CompleteAsync(claim, status, response.ContentType, location, buffer.ToArray()));
        buffer.Position = 0;
        await buffer.CopyToAsync(original, http.RequestAborted);
    }
}

/// <summary>The first answer again: its status, content type, <c>Location</c> and body, marked <c>Idempotent-Replayed: true</c>.</summary>
internal sealed class ReplayResult(IdempotencyDecision.Replay replay) : IResult
{
    public async Task ExecuteAsync(HttpContext http)
    {
        var response = http.Response;
        response.StatusCode = replay.StatusCode;
        if (replay.ContentType is not null) response.ContentType = replay.ContentType;
        if (replay.Location is not null) response.Headers.Location = replay.Location;
        response.Headers[Idempotency.ReplayedHeader] = "true";
        response.ContentLength = replay.Body.Length;
        await response.Body.WriteAsync(replay.Body, http.RequestAborted);
    }
}

/// <summary>The document's part: the optional header on each idempotent operation, and the replay marker on its success answer.</summary>
internal sealed class IdempotencyKeyTransformer : IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (!context.Description.ActionDescriptor.EndpointMetadata.OfType<IdempotentEndpoint>().Any()) return Task.CompletedTask;

        operation.Parameters ??= [];
        operation.Parameters.Add(new OpenApiParameter
        {
            Name = Idempotency.Header,
            In = ParameterLocation.Header,
            Required = false,
            Description = "Makes a retry safe: a repeat with the same key and the same request answers the first answer (same status and body, "
                + $"with `{Idempotency.ReplayedHeader}: true`) and creates nothing. Use a new key (e.g. a UUID) for each new request. "
                + "Keys are kept Idempotency:KeepHours (24 h by default) after the first request. Without the header a retry creates again.",
            Schema = new OpenApiSchema { Type = JsonSchemaType.String, MinLength = 1, MaxLength = IdempotencyStore.MaxKeyLength, Pattern = "^[!-~]{1,255}$" },
            Example = JsonValue.Create("8e03978e-40d5-43e8-bc93-6894a57f9324"),
        });

        if (operation.Responses is { } responses)
        {
            foreach (var (status, response) in responses)
            {
                if (status == "400" && response is OpenApiResponse invalid)
                    invalid.Description = (invalid.Description ?? "").TrimEnd('.') + $"; or the {Idempotency.Header} header is not 1-255 visible ASCII characters.";
                if (status.StartsWith('2') && response is OpenApiResponse success)
                {
                    success.Headers ??= new Dictionary<string, IOpenApiHeader>();
                    success.Headers[Idempotency.ReplayedHeader] = new OpenApiHeader
                    {
                        Description = $"`true` when this is the stored first answer of a request with the same {Idempotency.Header}.",
                        Schema = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [JsonValue.Create("true")] },
                    };
                }
            }
        }
        return Task.CompletedTask;
    }
}
