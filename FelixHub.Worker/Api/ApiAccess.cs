using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace FelixHub.Worker.Api;

public sealed class ApiOptions
{
    /// <summary>Shared key backend services send as <c>X-Api-Key</c>. Empty: <c>/api</c> answers loopback callers only. Never logged.</summary>
    public string Key { get; set; } = "";

    public long MaxRequestBodyBytes { get; set; } = 1_048_576;
}

/// <summary><c>/api/*</c> requires <c>X-Api-Key</c> when <c>Api:Key</c> is set, and is open to loopback callers only when it is not.</summary>
internal sealed class ApiAccessFilter(IOptionsMonitor<ApiOptions> options) : IEndpointFilter
{
    public const string Header = "X-Api-Key";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var key = options.CurrentValue.Key;
        if (string.IsNullOrEmpty(key))
        {
            if (http.Connection.RemoteIpAddress is { } ip && IPAddress.IsLoopback(ip))
                return await next(context);
            return Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden.",
                detail: "No API key is configured (Api:Key), so the API answers loopback callers only.");
        }

        var given = http.Request.Headers[Header].ToString();
        if (CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(key)))
            return await next(context);
        return Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized.",
            detail: $"A valid {Header} header is required.");
    }
}

public static class ApiAccessExtensions
{
    public static IServiceCollection AddApiAccess(this IServiceCollection services)
    {
        services.AddOptions<ApiOptions>().BindConfiguration("Api");
        services.AddSingleton<ApiAccessFilter>();
        return services;
    }

    /// <summary>The <c>/api</c> group every feature maps its endpoints into.</summary>
    public static RouteGroupBuilder MapApi(this IEndpointRouteBuilder app) =>
        app.MapGroup("/api").AddEndpointFilter<ApiAccessFilter>();
}
