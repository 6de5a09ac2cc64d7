using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace FelixHub.Tests.Infrastructure;

/// <summary>
/// A reverse proxy on 127.0.0.1, as nginx in front of the worker on the same host: it passes each HTTP
/// request on (from 127.0.0.1) and appends its client's address to <c>X-Forwarded-For</c>, as
/// <c>proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for</c> does, with
/// <c>X-Forwarded-Proto</c>. Plain HTTP only (no WebSockets).
/// </summary>
public sealed class ForwardingProxy : IAsyncDisposable
{
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Connection", "Transfer-Encoding", "Upgrade", "TE", "Trailer", "Host",
    };

    private readonly WebApplication app;
    private readonly HttpClient upstream;

    private ForwardingProxy(WebApplication app, HttpClient upstream)
    {
        this.app = app;
        this.upstream = upstream;
    }

    public Uri BaseAddress { get; private set; } = null!;

    public static async Task<ForwardingProxy> StartAsync(Uri target)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var upstream = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = target };
        var proxy = new ForwardingProxy(app, upstream);
        app.Run(proxy.ForwardAsync);
        await app.StartAsync();
        proxy.BaseAddress = new Uri(app.Urls.First());
        return proxy;
    }

    private async Task ForwardAsync(HttpContext http)
    {
        var request = http.Request;
        using var forwarded = new HttpRequestMessage(new HttpMethod(request.Method), request.Path + request.QueryString);
        if (request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0)
            forwarded.Content = new StreamContent(request.Body);
        foreach (var (name, values) in request.Headers)
        {
            if (HopByHop.Contains(name) || name.Equals("X-Forwarded-For", StringComparison.OrdinalIgnoreCase)) continue;
            if (!forwarded.Headers.TryAddWithoutValidation(name, values.ToArray()))
                forwarded.Content?.Headers.TryAddWithoutValidation(name, values.ToArray());
        }
        var client = http.Connection.RemoteIpAddress!.ToString();
        var chain = request.Headers["X-Forwarded-For"].ToString();
        forwarded.Headers.TryAddWithoutValidation("X-Forwarded-For", chain.Length > 0 ? $"{chain}, {client}" : client);
        forwarded.Headers.TryAddWithoutValidation("X-Forwarded-Proto", request.Scheme);

        using var response = await upstream.SendAsync(forwarded, HttpCompletionOption.ResponseHeadersRead, http.RequestAborted);
        http.Response.StatusCode = (int)response.StatusCode;
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
            if (!HopByHop.Contains(name)) http.Response.Headers[name] = values.ToArray();
        await response.Content.CopyToAsync(http.Response.Body, http.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        upstream.Dispose();
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
