using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace FelixHub.Worker.Api;

public sealed class ApiOptions
{
    /// <summary>Shared key backend services send as <c>X-Api-Key</c>. Empty: <c>/api</c> answers trusted networks only. Never logged.</summary>
    public string Key { get; set; } = "";

    /// <summary>
    /// Outside Development an empty <see cref="Key"/> stops the worker at start unless this is true: the
    /// explicit choice to let the trusted networks use <c>/api</c>, <c>/metrics</c>, <c>/ws</c> and a
    /// dashboard without credentials.
    /// </summary>
    public bool AllowTrustedWithoutKey { get; set; }

    public long MaxRequestBodyBytes { get; set; } = 1_048_576;

    /// <summary>
    /// Callers trusted without credentials (CIDR). Empty means loopback only (127.0.0.0/8, ::1).
    /// Matched against the client's address: the direct peer's, or the one a known proxy forwarded
    /// (<see cref="ForwardedHeaders"/>).
    /// </summary>
    public string[] TrustedNetworks { get; set; } = [];

    public ForwardedHeadersSettings ForwardedHeaders { get; set; } = new();
}

/// <summary>The reverse proxies whose <c>X-Forwarded-For</c>/<c>X-Forwarded-Proto</c> are believed (<see cref="ForwardedHeadersSetup"/>).</summary>
public sealed class ForwardedHeadersSettings
{
    /// <summary>Proxies' IP addresses. With this and <see cref="KnownNetworks"/> empty, forwarded headers are ignored.</summary>
    public string[] KnownProxies { get; set; } = [];

    /// <summary>Proxies' networks (CIDR).</summary>
    public string[] KnownNetworks { get; set; } = [];

    /// <summary>How many proxies' entries of <c>X-Forwarded-For</c> are read, from the right (each must be a known proxy to go on).</summary>
    public int ForwardLimit { get; set; } = 1;

    public bool Enabled => KnownProxies.Length > 0 || KnownNetworks.Length > 0;
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

    /// <summary>
    /// The caller comes from a trusted network: its address (the client's, once a known proxy's
    /// forwarded headers are applied) is in <c>Api:TrustedNetworks</c>, and the request was not
    /// forwarded by a proxy the worker does not know (whose client could be anyone).
    /// </summary>
    public bool IsTrusted(HttpContext http) =>
        !ForwardedHeadersSetup.ForwardedByUnknownProxy(http) && IsTrusted(http.Connection.RemoteIpAddress);

    /// <summary>Why a caller that needed trust was refused: <paramref name="rule"/>, and the unknown proxy when there was one.</summary>
    public static string Refusal(HttpContext http, string rule) => ForwardedHeadersSetup.ForwardedByUnknownProxy(http)
        ? rule + " The request carries forwarding headers from a proxy that is not in Api:ForwardedHeaders:KnownProxies or KnownNetworks, so its client is unknown and not trusted."
        : rule;

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

    /// <summary>
    /// The rule of <c>/api</c> (and of the API's description): with <c>Api:Key</c> set, a valid
    /// <c>X-Api-Key</c> is required; without one, only callers from the trusted networks are answered.
    /// Null when the caller may go on; otherwise the 401/403 ProblemDetails to answer.
    /// </summary>
    public IResult? ApiRefusal(HttpContext http)
    {
        if (ApiKeyConfigured)
        {
            return HasValidApiKey(http) ? null
                : Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized.",
                    detail: $"A valid {ApiKeyHeader} header is required.");
        }
        return IsTrusted(http) ? null
            : Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden.",
                detail: Refusal(http, "No API key is configured (Api:Key), so the API answers trusted networks (Api:TrustedNetworks, loopback by default) only."));
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
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next) =>
        access.ApiRefusal(context.HttpContext) ?? await next(context);
}

/// <summary>
/// Start-up checks of <c>Api:*</c>: the networks and proxies parse, and outside Development a worker
/// without <c>Api:Key</c> starts only when key-less trust was chosen (<c>Api:AllowTrustedWithoutKey</c>).
/// Behind a reverse proxy on the same host every caller would otherwise be "loopback".
/// </summary>
internal sealed class ApiOptionsValidator(IHostEnvironment environment) : IValidateOptions<ApiOptions>
{
    public ValidateOptionsResult Validate(string? name, ApiOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrEmpty(options.Key) && !options.AllowTrustedWithoutKey && !environment.IsDevelopment())
        {
            failures.Add($"Api:Key is empty. In {environment.EnvironmentName} the worker does not start without it, because /api, /metrics, /ws "
                + "and a dashboard without credentials would then answer every caller from Api:TrustedNetworks (loopback by default), "
                + "and behind a reverse proxy on the same host every caller is loopback. Set Api:Key (environment: FELIXHUB_API_KEY), "
                + "or choose key-less trust explicitly with Api:AllowTrustedWithoutKey=true (environment: FELIXHUB_ALLOW_TRUSTED_WITHOUT_KEY=true).");
        }
        foreach (var entry in options.TrustedNetworks.Where(n => !IPNetwork.TryParse(n.Trim(), out _)))
            failures.Add($"Api:TrustedNetworks holds '{entry}', which is not a CIDR network (e.g. 10.0.0.0/8).");
        var proxies = options.ForwardedHeaders;
        foreach (var entry in proxies.KnownProxies.Where(p => !IPAddress.TryParse(p.Trim(), out _)))
            failures.Add($"Api:ForwardedHeaders:KnownProxies holds '{entry}', which is not an IP address (e.g. 127.0.0.1).");
        foreach (var entry in proxies.KnownNetworks.Where(n => !IPNetwork.TryParse(n.Trim(), out _)))
            failures.Add($"Api:ForwardedHeaders:KnownNetworks holds '{entry}', which is not a CIDR network (e.g. 10.0.0.0/8).");
        if (proxies.ForwardLimit < 1)
            failures.Add("Api:ForwardedHeaders:ForwardLimit must be at least 1 (the proxies in front of the worker).");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

public static class ApiAccessExtensions
{
    public static IServiceCollection AddApiAccess(this IServiceCollection services)
    {
        services.AddOptions<ApiOptions>().BindConfiguration("Api").ValidateOnStart();
        services.AddSingleton<IValidateOptions<ApiOptions>, ApiOptionsValidator>();
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
