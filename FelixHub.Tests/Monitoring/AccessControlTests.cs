using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using FelixHub.Tests.Infrastructure;

namespace FelixHub.Tests.Monitoring;

public sealed class NarrowTrustFixture : WorkerFixture
{
    public const string DashboardUser = "ops";
    public const string DashboardPassword = "dash-Secret-42";

    protected override IDictionary<string, string?> Overrides => new Dictionary<string, string?>
    {
        ["Api:TrustedNetworks:0"] = "127.0.0.1/32",
        ["Dashboard:Username"] = DashboardUser,
        ["Dashboard:Password"] = DashboardPassword,
    };
}

public sealed class ApiKeyFixture : WorkerFixture
{
    public const string Key = "api-Key-SECRET-123";

    protected override IDictionary<string, string?> Overrides => new Dictionary<string, string?> { ["Api:Key"] = Key };
}

/// <summary>A client that connects from 127.0.0.2: outside a trusted set narrowed to 127.0.0.1.</summary>
internal static class Outsider
{
    public static HttpClient Client(Uri baseAddress) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (context, ct) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Parse("127.0.0.2"), 0));
            await socket.ConnectAsync(context.DnsEndPoint, ct);
            return new NetworkStream(socket, ownsSocket: true);
        },
    })
    { BaseAddress = baseAddress };

    public static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
}

public sealed class AccessControlTests(NarrowTrustFixture fixture) : IClassFixture<NarrowTrustFixture>
{
    [Fact]
    public async Task Outside_the_trusted_set_the_api_and_metrics_are_refused_and_the_dashboard_wants_credentials()
    {
        using var outsider = Outsider.Client(fixture.Worker.Http.BaseAddress!);

        (await outsider.GetAsync("/api/notification-logs")).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await outsider.GetAsync("/metrics")).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        var dashboard = await outsider.GetAsync("/hangfire");
        dashboard.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        dashboard.Headers.WwwAuthenticate.ToString().Should().StartWith("Basic");

        using var wrong = new HttpRequestMessage(HttpMethod.Get, "/hangfire") { Headers = { Authorization = Outsider.Basic(NarrowTrustFixture.DashboardUser, "nope") } };
        (await outsider.SendAsync(wrong)).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        using var right = new HttpRequestMessage(HttpMethod.Get, "/hangfire") { Headers = { Authorization = Outsider.Basic(NarrowTrustFixture.DashboardUser, NarrowTrustFixture.DashboardPassword) } };
        (await outsider.SendAsync(right)).StatusCode.Should().Be(HttpStatusCode.OK);

        (await outsider.GetAsync("/health")).StatusCode.Should().Be(HttpStatusCode.OK, "probes need no credentials");
        (await fixture.Worker.Http.GetAsync("/api/notification-logs")).StatusCode.Should().Be(HttpStatusCode.OK, "127.0.0.1 is trusted");
        (await fixture.Worker.Http.GetAsync("/hangfire")).StatusCode.Should().Be(HttpStatusCode.OK);
        fixture.Worker.Logs.AllText().Should().NotContain(NarrowTrustFixture.DashboardPassword);
    }
}

public sealed class ApiKeyTests(ApiKeyFixture fixture) : IClassFixture<ApiKeyFixture>
{
    [Fact]
    public async Task With_a_key_configured_the_api_wants_it_from_everyone_and_the_key_opens_the_dashboard()
    {
        var http = fixture.Worker.Http;
        (await http.GetAsync("/api/notification-logs")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        using (var wrong = new HttpRequestMessage(HttpMethod.Get, "/api/notification-logs") { Headers = { { "X-Api-Key", "guess" } } })
            (await http.SendAsync(wrong)).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        using (var right = new HttpRequestMessage(HttpMethod.Get, "/api/notification-logs") { Headers = { { "X-Api-Key", ApiKeyFixture.Key } } })
            (await http.SendAsync(right)).StatusCode.Should().Be(HttpStatusCode.OK);

        using var outsider = Outsider.Client(http.BaseAddress!);
        using (var dashboard = new HttpRequestMessage(HttpMethod.Get, "/hangfire") { Headers = { { "X-Api-Key", ApiKeyFixture.Key } } })
            (await outsider.SendAsync(dashboard)).StatusCode.Should().Be(HttpStatusCode.OK);

        fixture.Worker.Logs.AllText().Should().NotContain(ApiKeyFixture.Key).And.NotContain(FakeTelegramServer.Token);
    }
}
