using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace FelixHub.Worker.Api;

/// <summary>
/// The client's address behind a reverse proxy. ASP.NET Core's forwarded-headers middleware takes the
/// client from <c>X-Forwarded-For</c> (and the scheme from <c>X-Forwarded-Proto</c>) only when the
/// direct peer is one of <c>Api:ForwardedHeaders:KnownProxies</c>/<c>KnownNetworks</c>; with none
/// configured it is not used. A request that carries forwarding headers from any other peer was
/// relayed by a proxy the worker does not know: its client could be anyone, so it gets no trust by
/// network (<see cref="AccessPolicy.IsTrusted(HttpContext)"/>); keys and credentials still work.
/// </summary>
public static class ForwardedHeadersSetup
{
    private static readonly object UnknownProxyKey = new();
    private static readonly string[] ForwardingHeaders = ["X-Forwarded-For", "Forwarded", "X-Real-IP"];

    /// <summary>The request came with forwarding headers from a peer that is not a known proxy.</summary>
    public static bool ForwardedByUnknownProxy(HttpContext http) => http.Items.ContainsKey(UnknownProxyKey);

    /// <summary>First in the pipeline: everything after it sees the client's address.</summary>
    public static WebApplication UseFelixHubForwardedHeaders(this WebApplication app)
    {
        var settings = app.Services.GetRequiredService<IOptions<ApiOptions>>().Value.ForwardedHeaders;
        var options = new ForwardedHeadersOptions
        {
            ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto,
            ForwardLimit = settings.ForwardLimit,
        };
        // The defaults (loopback) would make any local process a proxy: only what is configured counts.
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        foreach (var proxy in settings.KnownProxies) options.KnownProxies.Add(IPAddress.Parse(proxy.Trim()));
        foreach (var network in settings.KnownNetworks) options.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network.Trim()));

        app.Use((http, next) =>
        {
            if (IsForwarded(http.Request.Headers) && !IsKnownProxy(http.Connection.RemoteIpAddress, options))
                http.Items[UnknownProxyKey] = true;
            return next(http);
        });
        if (settings.Enabled) app.UseForwardedHeaders(options);
        return app;
    }

    private static bool IsForwarded(IHeaderDictionary headers) => ForwardingHeaders.Any(headers.ContainsKey);

    private static bool IsKnownProxy(IPAddress? address, ForwardedHeadersOptions options)
    {
        if (address is null) return false;
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        return options.KnownProxies.Any(p => (p.IsIPv4MappedToIPv6 ? p.MapToIPv4() : p).Equals(address))
            || options.KnownIPNetworks.Any(n => n.Contains(address));
    }
}
