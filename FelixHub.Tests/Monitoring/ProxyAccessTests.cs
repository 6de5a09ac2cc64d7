using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json.Nodes;
using FelixHub.Tests.Infrastructure;
using FelixHub.Worker.Api;
using FelixHub.Worker.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;

namespace FelixHub.Tests.Monitoring;

/// <summary>Behind a reverse proxy on 127.0.0.1, named as the known proxy; trusted: 127.0.0.1 and 10.0.0.0/8; no key.</summary>
public sealed class KnownProxyFixture : WorkerFixture
{
    protected override IDictionary<string, string?> Overrides => new Dictionary<string, string?>
    {
        ["Api:ForwardedHeaders:KnownProxies:0"] = "127.0.0.1",
        ["Api:TrustedNetworks:0"] = "127.0.0.1/32",
        ["Api:TrustedNetworks:1"] = "10.0.0.0/8",
    };
}

public sealed class ProxyAccessTests(KnownProxyFixture fixture) : IClassFixture<KnownProxyFixture>
{
    private static readonly string[] Paths = ["/api/notification-logs", "/metrics", "/hangfire"];

    [Fact]
    public async Task Through_the_known_proxy_a_client_outside_the_trusted_networks_is_refused_and_a_trusted_one_is_answered()
    {
        await using var proxy = await ForwardingProxy.StartAsync(fixture.Worker.Http.BaseAddress!);
        using var outsider = Outsider.Client(proxy.BaseAddress); // the proxy forwards X-Forwarded-For: 127.0.0.2
        using var insider = new HttpClient { BaseAddress = proxy.BaseAddress }; // X-Forwarded-For: 127.0.0.1

        foreach (var path in Paths)
        {
            await ShouldBeForbiddenAsync(await outsider.GetAsync(path), path);
            (await insider.GetAsync(path)).StatusCode.Should().Be(HttpStatusCode.OK, $"{path} from 127.0.0.1 through the proxy");

            // What the client claims is kept, but only the entry the known proxy added counts.
            using var spoofed = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { { "X-Forwarded-For", "10.1.2.3" } } };
            await ShouldBeForbiddenAsync(await outsider.SendAsync(spoofed), path + " with a forged X-Forwarded-For");
        }
        (await outsider.GetAsync("/health")).StatusCode.Should().Be(HttpStatusCode.OK, "probes need no credentials");
    }

    [Fact]
    public async Task The_known_proxy_forwarded_address_decides_for_api_metrics_dashboard_and_sockets()
    {
        var http = fixture.Worker.Http; // connects from 127.0.0.1, the known proxy
        foreach (var path in Paths)
        {
            await ShouldBeForbiddenAsync(await GetAsync(http, path, forwardedFor: "203.0.113.7"), path + " for 203.0.113.7");
            (await GetAsync(http, path, forwardedFor: "10.1.2.3")).StatusCode.Should().Be(HttpStatusCode.OK, $"{path} for 10.1.2.3 (trusted)");
            (await GetAsync(http, path, forwardedFor: null)).StatusCode.Should().Be(HttpStatusCode.OK, $"{path} asked on the proxy's host itself");
        }

        (await SocketRefusalAsync(forwardedFor: "203.0.113.7")).Should().Be(HttpStatusCode.Forbidden);
        (await SocketRefusalAsync(forwardedFor: "10.1.2.3")).Should().BeNull("a trusted forwarded client may open a socket");
    }

    [Fact]
    public async Task A_peer_that_is_not_a_known_proxy_cannot_forward_an_address()
    {
        // 127.0.0.2 is no proxy: its X-Forwarded-For is not believed, and it makes the request untrusted.
        using var outsider = Outsider.Client(fixture.Worker.Http.BaseAddress!);
        foreach (var path in Paths)
            await ShouldBeForbiddenAsync(await GetAsync(outsider, path, forwardedFor: "10.1.2.3"), path);
    }

    private static async Task<HttpResponseMessage> GetAsync(HttpClient client, string path, string? forwardedFor)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (forwardedFor is not null) request.Headers.Add("X-Forwarded-For", forwardedFor);
        return await client.SendAsync(request);
    }

    private async Task<HttpStatusCode?> SocketRefusalAsync(string forwardedFor)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.SetRequestHeader("X-Forwarded-For", forwardedFor);
        var url = new Uri($"ws://{fixture.Worker.Http.BaseAddress!.Authority}/ws?userId=proxy-test-user");
        try
        {
            await socket.ConnectAsync(url, CancellationToken.None);
        }
        catch (WebSocketException)
        {
            return socket.HttpStatusCode;
        }
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
        return null;
    }

    internal static async Task ShouldBeForbiddenAsync(HttpResponseMessage response, string because)
    {
        response.StatusCode.Should().Be(HttpStatusCode.Forbidden, because);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json", because);
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        problem["status"]!.GetValue<int>().Should().Be(403, because);
        problem["detail"]!.GetValue<string>().Should().Contain("Api:TrustedNetworks", because);
    }
}

/// <summary>
/// A reverse proxy the worker was not told about (no <c>Api:ForwardedHeaders:*</c>): what nginx in
/// front of <c>localhost</c> used to turn into "every caller is loopback".
/// </summary>
public sealed class UnknownProxyAccessTests(NarrowTrustFixture fixture) : IClassFixture<NarrowTrustFixture>
{
    [Fact]
    public async Task Requests_relayed_by_an_unknown_proxy_get_no_trust_by_network_but_credentials_still_work()
    {
        await using var proxy = await ForwardingProxy.StartAsync(fixture.Worker.Http.BaseAddress!);
        using var viaProxy = Outsider.Client(proxy.BaseAddress); // the worker's peer is the proxy, 127.0.0.1: trusted

        await ProxyAccessTests.ShouldBeForbiddenAsync(await viaProxy.GetAsync("/api/notification-logs"), "/api");
        var metrics = await viaProxy.GetAsync("/metrics");
        await ProxyAccessTests.ShouldBeForbiddenAsync(metrics, "/metrics");
        var dashboard = await viaProxy.GetAsync("/hangfire");
        dashboard.StatusCode.Should().Be(HttpStatusCode.Unauthorized, "dashboard credentials are configured");
        dashboard.Headers.WwwAuthenticate.ToString().Should().StartWith("Basic");
        dashboard.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        (await dashboard.Content.ReadAsStringAsync()).Should().Contain("KnownProxies");

        using var withCredentials = new HttpRequestMessage(HttpMethod.Get, "/hangfire")
        {
            Headers = { Authorization = Outsider.Basic(NarrowTrustFixture.DashboardUser, NarrowTrustFixture.DashboardPassword) },
        };
        (await viaProxy.SendAsync(withCredentials)).StatusCode.Should().Be(HttpStatusCode.OK);
        (await fixture.Worker.Http.GetAsync("/metrics")).StatusCode.Should().Be(HttpStatusCode.OK, "127.0.0.1 without forwarding headers is trusted");
    }
}

/// <summary>Outside Development, no <c>Api:Key</c> and no explicit key-less trust: the worker does not start.</summary>
public sealed class KeylessStartAccessTests
{
    [Fact]
    public async Task Production_without_a_key_does_not_start_names_both_settings_and_leaves_the_database_alone()
    {
        var database = await PostgresServer.CreateEmptyDatabaseAsync();
        try
        {
            var (exitCode, output) = await WorkerProcess.RunUntilExitAsync(database, telegram: null, new Dictionary<string, string?>
            {
                ["environment"] = "Production",
                ["Api:Key"] = "",
                ["Api:AllowTrustedWithoutKey"] = "false",
            });

            exitCode.Should().Be(FelixHubApp.ConfigurationErrorExitCode, output);
            output.Should().Contain("Api:Key").And.Contain("FELIXHUB_API_KEY")
                .And.Contain("Api:AllowTrustedWithoutKey").And.Contain("FELIXHUB_ALLOW_TRUSTED_WITHOUT_KEY");
            output.Should().NotContain("   at ", "a configuration error is a message, not a crash");
            (await TableCountAsync(database)).Should().Be(0, "nothing is migrated before the configuration is checked");
        }
        finally
        {
            await PostgresServer.DropDatabaseAsync(database);
        }
    }

    [Theory]
    [InlineData("Production", "", false, true)]
    [InlineData("Production", "", true, false)]
    [InlineData("Production", "a-key", false, false)]
    [InlineData("Staging", "", false, true)]
    [InlineData("Development", "", false, false)]
    public void The_start_up_check_wants_a_key_or_the_explicit_switch_outside_Development(string environment, string key, bool allow, bool refused)
    {
        var validate = Validator(environment, new Dictionary<string, string?>
        {
            ["Api:Key"] = key,
            ["Api:AllowTrustedWithoutKey"] = allow ? "true" : "false",
        });

        if (refused) validate.Should().Throw<OptionsValidationException>().Which.Message.Should().Contain("FELIXHUB_ALLOW_TRUSTED_WITHOUT_KEY");
        else validate.Should().NotThrow();
    }

    [Theory]
    [InlineData("Api:ForwardedHeaders:KnownProxies:0", "nginx.local", "Api:ForwardedHeaders:KnownProxies")]
    [InlineData("Api:ForwardedHeaders:KnownNetworks:0", "10.0.0.1", "Api:ForwardedHeaders:KnownNetworks")]
    [InlineData("Api:ForwardedHeaders:ForwardLimit", "0", "Api:ForwardedHeaders:ForwardLimit")]
    [InlineData("Api:TrustedNetworks:0", "10.0.0.0/33", "Api:TrustedNetworks")]
    public void A_proxy_or_network_that_does_not_parse_stops_the_start(string key, string value, string named)
    {
        var validate = Validator("Production", new Dictionary<string, string?> { ["Api:Key"] = "k", [key] = value });

        validate.Should().Throw<OptionsValidationException>().Which.Message.Should().Contain(named);
    }

    [Fact]
    public void The_flat_environment_name_sets_the_switch()
    {
        EnvironmentAliases.Resolve(new System.Collections.Hashtable { ["FELIXHUB_ALLOW_TRUSTED_WITHOUT_KEY"] = "true" })
            .Should().BeEquivalentTo(new Dictionary<string, string?> { ["Api:AllowTrustedWithoutKey"] = "true" });
    }

    private static Action Validator(string environment, IDictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var provider = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddSingleton<IHostEnvironment>(new TestEnvironment(environment))
            .AddApiAccess()
            .BuildServiceProvider();
        return () =>
        {
            using (provider) provider.GetRequiredService<IStartupValidator>().Validate();
        };
    }

    private static async Task<long> TableCountAsync(string database)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema')", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private sealed class TestEnvironment(string name) : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = name;
        public string ApplicationName { get; set; } = "FelixHub.Worker";
        public string ContentRootPath { get; set; } = AppContext.BaseDirectory;
        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
    }
}
