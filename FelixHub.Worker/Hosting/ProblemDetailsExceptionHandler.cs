using System.Text.Json;
using FelixHub.Core.Common;
using FelixHub.Core.Persistence;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Npgsql;

namespace FelixHub.Worker.Hosting;

/// <summary>
/// Turns what went wrong into RFC 7807 answers: invalid input 400 (naming the field), unknown ids
/// 404, a state that refuses the request 409, an unreachable database 503. Nothing else leaks: an unexpected error is a bare 500.
/// </summary>
internal sealed partial class ProblemDetailsExceptionHandler(
    IProblemDetailsService problems, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, ILogger<ProblemDetailsExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken cancellationToken)
    {
        ProblemDetails? problem = exception switch
        {
            RequestValidationException invalid => new HttpValidationProblemDetails(invalid.Errors.ToDictionary(e => e.Key, e => e.Value))
            {
                Status = StatusCodes.Status400BadRequest,
                Title = "The request is invalid.",
            },
            BadHttpRequestException bad => FromBadRequest(bad, http),
            NotFoundException notFound => new ProblemDetails
            {
                Status = StatusCodes.Status404NotFound,
                Title = "Not found.",
                Detail = notFound.Message,
            },
            ConflictException conflict => new ProblemDetails
            {
                Status = StatusCodes.Status409Conflict,
                Title = conflict.Title,
                Detail = conflict.Message,
            },
            _ when IsUnstorableText(exception) => new HttpValidationProblemDetails(new Dictionary<string, string[]>
            {
                ["body"] = ["The request contains text the database cannot store (a NUL character, U+0000)."],
            })
            {
                Status = StatusCodes.Status400BadRequest,
                Title = "The request is invalid.",
            },
            _ when DatabaseErrors.IsUnavailable(exception) => new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "The database is unavailable; try again shortly.",
            },
            _ => null,
        };
        if (problem is null) return false;

        if (problem.Status == StatusCodes.Status503ServiceUnavailable)
        {
            LogDatabaseUnavailable(logger, exception.GetBaseException().Message);
            http.Response.Headers.RetryAfter = "5";
        }
        else
        {
            LogRejected(logger, problem.Status ?? 400, http.Request.Method, http.Request.Path, exception.Message);
        }

        http.Response.StatusCode = problem.Status ?? StatusCodes.Status400BadRequest;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = problem, Exception = exception });
    }

    private HttpValidationProblemDetails FromBadRequest(BadHttpRequestException bad, HttpContext http)
    {
        // A body over the limit sent without Content-Length (chunked) is only found out while the JSON
        // is read: Kestrel's 413 may then arrive wrapped in the serializer's exception.
        if (Chain(bad).OfType<BadHttpRequestException>().Any(e => e.StatusCode == StatusCodes.Status413PayloadTooLarge))
        {
            return new HttpValidationProblemDetails(new Dictionary<string, string[]> { ["body"] = ["The request body is larger than the limit (Api:MaxRequestBodyBytes)."] })
            {
                Status = StatusCodes.Status413PayloadTooLarge,
                Title = "The request body is too large.",
            };
        }
        // A body the JSON reader refused: name the field and say what it expects there.
        var (field, message) = Chain(bad).OfType<JsonException>().FirstOrDefault() is { } invalid
            ? JsonBodyErrors.Describe(invalid, BodyType(http), json.Value.SerializerOptions)
            : JsonBodyErrors.DescribeBinding(bad.Message);
        return new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [message] })
        {
            Status = bad.StatusCode,
            Title = "The request is invalid.",
        };
    }

    /// <summary>The body type of the endpoint that threw (the exception handler runs with the request's endpoint cleared).</summary>
    private static Type? BodyType(HttpContext http) =>
        (http.Features.Get<IExceptionHandlerFeature>()?.Endpoint ?? http.GetEndpoint())?.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType;

    private static IEnumerable<Exception> Chain(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException) yield return e;
    }

    /// <summary>PostgreSQL refused a NUL character (the validators refuse it first; this is the backstop).</summary>
    private static bool IsUnstorableText(Exception exception) =>
        Chain(exception).Any(e => e is PostgresException { SqlState: PostgresErrorCodes.CharacterNotInRepertoire or PostgresErrorCodes.UntranslatableCharacter });

    [LoggerMessage(Level = LogLevel.Information, Message = "Rejected {Method} {Path} with {Status}: {Reason}")]
    private static partial void LogRejected(ILogger logger, int status, string method, string path, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Database unavailable, answered 503: {Reason}")]
    private static partial void LogDatabaseUnavailable(ILogger logger, string reason);
}
