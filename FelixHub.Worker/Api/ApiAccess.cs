using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace FelixHub.Worker.Api;

public sealed class ApiOptions
{
    /// <summary>Shared key backend services send as <c>X-Api-Key</c>. Empty: <c>/api</c> answers trusted networks only. Never logged.</summary>
    public string Key { get; set; } = "";

    public long MaxRequestBodyBytes { get; set; } = 1_048_576;

    /// <summary>
    /// Callers trusted without credentials (CIDR). Empty means loopback only (127.0.0.0/8, ::1).
    /// The direct peer's address is used: forwarded headers are not trusted.
    /// </summary>
    public string[] TrustedNetworks { get; set; } = [];
}

public sealed class DashboardOptions
{
    /// <summary>Basic-auth user for the Hangfire dashboard from outside the trusted networks (with <see cref="Password"/>).</summary>
    public string Username { get; set; } = "";

    /// <summary>Never logged.</summary>
    public string Password { get; set; } = "";

    /// <summary>Hide the dashboard's buttons (requeue, delete, trigger) from everyone.</summary>
    public bool ReadOnly { get; set; }
}

/// <summary>Who may call what: trusted networks, the API key, the dashboard's basic-auth credentials.</summary>
public sealed class AccessPolicy(IOptionsMonitor<ApiOptions> api, IOptionsMonitor<DashboardOptions> dashboard)
{
    public const string ApiKeyHeader = "X-Api-Key";
    private static readonly string[] Loopback = ["127.0.0.0/8", "::1/128"];

    public bool ApiKeyConfigured => !string.IsNullOrEmpty(api.CurrentValue.Key);

    public bool IsTrusted(IPAddress? address)
    {
        if (address is null) return false;
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        var networks = api.CurrentValue.TrustedNetworks is { Length: > 0 } configured ? configured : Loopback;
        return networks.Any(n => IPNetwork.TryParse(n.Trim(), out var network) && network.Contains(address));
    }

    public bool HasValidApiKey(HttpContext http) =>
        ApiKeyConfigured && FixedEquals(http.Request.Headers[ApiKeyHeader].ToString(), api.CurrentValue.Key);

    public bool HasValidDashboardCredentials(HttpContext http)
    {
        var o = dashboard.CurrentValue;
        if (string.IsNullOrEmpty(o.Username) || string.IsNullOrEmpty(o.Password)) return false;
        var header = http.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase)) return false;
        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..].Trim()));
        }
        catch (FormatException)
        {
            return false;
        }
        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && FixedEquals(decoded[..colon], o.Username) & FixedEquals(decoded[(colon + 1)..], o.Password);
    }

    public bool DashboardCredentialsConfigured => !string.IsNullOrEmpty(dashboard.CurrentValue.Username);

    public bool DashboardReadOnly => dashboard.CurrentValue.ReadOnly;

    private static bool FixedEquals(string given, string expected) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));
}

/// <summary>
/// <c>/api/*</c> and <c>/metrics</c>: with <c>Api:Key</c> set, a valid <c>X-Api-Key</c> is required; without
/// one, only callers from the trusted networks (loopback by default) are answered.
/// </summary>
internal sealed class ApiAccessFilter(AccessPolicy access) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (access.ApiKeyConfigured)
        {
            return access.HasValidApiKey(http)
                ? await next(context)
                : Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized.",
                    detail: $"A valid {AccessPolicy.ApiKeyHeader} header is required.");
        }
        return access.IsTrusted(http.Connection.RemoteIpAddress)
            ? await next(context)
            : Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden.",
                detail: "No API key is configured (Api:Key), so the API answers trusted networks (Api:TrustedNetworks, loopback by default) only.");
    }
}

public static class ApiAccessExtensions
{
    public static IServiceCollection AddApiAccess(this IServiceCollection services)
    {
        services.AddOptions<ApiOptions>().BindConfiguration("Api")
            .Validate(o => o.TrustedNetworks.All(n => IPNetwork.TryParse(n.Trim(), out _)), "Api:TrustedNetworks holds an entry that is not a CIDR network (e.g. 10.0.0.0/8).")
            .ValidateOnStart();
        services.AddOptions<DashboardOptions>().BindConfiguration("Dashboard")
            .Validate(o => string.IsNullOrEmpty(o.Username) == string.IsNullOrEmpty(o.Password), "Dashboard:Username and Dashboard:Password go together.")
            .ValidateOnStart();
        services.AddSingleton<AccessPolicy>();
        services.AddSingleton<ApiAccessFilter>();
        return services;
    }

    /// <summary>The <c>/api</c> group every feature maps its endpoints into.</summary>
    public static RouteGroupBuilder MapApi(this IEndpointRouteBuilder app) =>
        app.MapGroup("/api").AddEndpointFilter<ApiAccessFilter>();
}
