using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using FelixHub.Tests.Infrastructure;
using FelixHub.Worker.Hosting;
using Npgsql;

namespace FelixHub.Tests.Hosting;

public sealed class HealthTests
{
    [Fact]
    public async Task Health_is_200_with_each_check_while_PostgreSQL_answers_and_503_when_it_does_not()
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        var real = new NpgsqlConnectionStringBuilder(database);
        await using var proxy = new TcpProxy(real.Host!, real.Port);
        var viaProxy = new NpgsqlConnectionStringBuilder(database) { Port = proxy.Port, Timeout = 3 }.ConnectionString;
        // After an outage Hangfire's components may sit in a back-off; give the stop room under a loaded test run.
        await using var worker = await TestWorker.StartAsync(viaProxy, telegram: null,
            new Dictionary<string, string?> { ["Hangfire:ShutdownTimeoutSeconds"] = "30" });

        var healthy = await worker.Http.GetAsync("/health");
        healthy.StatusCode.Should().Be(HttpStatusCode.OK);
        var body = (await healthy.Content.ReadFromJsonAsync<JsonObject>())!;
        body["checks"]!["database"]!["status"]!.GetValue<string>().Should().Be("healthy");
        body["checks"]!["hangfire"].Should().NotBeNull();

        proxy.Cut();
        NpgsqlConnection.ClearAllPools();
        var down = await worker.Http.GetAsync("/health");
        down.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        var downBody = (await down.Content.ReadFromJsonAsync<JsonObject>())!;
        downBody["status"]!.GetValue<string>().Should().Be("unhealthy");
        downBody["checks"]!["database"]!["status"]!.GetValue<string>().Should().Be("unhealthy");

        var api = await worker.Http.GetAsync("/api/orders/1");
        api.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable, "the API says the database is away, not 500");
        (await api.Content.ReadAsStringAsync()).Should().NotContain("   at ");

        proxy.Restore();
        await Eventually.Until(async () => (await worker.Http.GetAsync("/health")).StatusCode == HttpStatusCode.OK, "recovery");
    }

    [Fact]
    public async Task The_dashboard_is_served_to_loopback_callers()
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        await using var worker = await TestWorker.StartAsync(database, telegram: null);

        var response = await worker.Http.GetAsync("/hangfire");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).Should().Contain("FelixHub jobs");
    }
}

public sealed class ConfigurationAliasTests
{
    [Fact]
    public void The_seeds_flat_environment_names_map_to_the_hierarchical_keys()
    {
        var environment = new System.Collections.Hashtable
        {
            ["TELEGRAM_BOT_TOKEN"] = "t",
            ["ENABLE_TG_MECH_NOTIFS"] = "yes",
            ["FRONTEND_URL"] = "https://f",
            ["TELEGRAM_API_BASE_URL"] = "http://127.0.0.1:1",
            ["SYNC_INTERVAL"] = "60",
            ["FELIXHUB_API_KEY"] = "k",
            ["PATH"] = "/bin",
        };

        EnvironmentAliases.Resolve(environment).Should().BeEquivalentTo(new Dictionary<string, string?>
        {
            ["Telegram:BotToken"] = "t",
            ["Notifications:MechanicStatusEnabled"] = "yes",
            ["Notifications:FrontendUrl"] = "https://f",
            ["Telegram:ApiBaseUrl"] = "http://127.0.0.1:1",
            ["Wildberries:SyncIntervalSeconds"] = "60",
            ["Api:Key"] = "k",
        });
    }

    [Fact]
    public void The_WB_seeds_BOT_TOKEN_and_WEBHOOK_URL_are_aliases_too_and_the_Telegram_names_win_when_both_are_set()
    {
        EnvironmentAliases.Resolve(new System.Collections.Hashtable { ["BOT_TOKEN"] = "seed", ["WEBHOOK_URL"] = "https://hook.example/tg" })
            .Should().BeEquivalentTo(new Dictionary<string, string?> { ["Telegram:BotToken"] = "seed", ["Telegram:WebhookUrl"] = "https://hook.example/tg" });
        EnvironmentAliases.Resolve(new System.Collections.Hashtable { ["BOT_TOKEN"] = "seed", ["TELEGRAM_BOT_TOKEN"] = "main" })
            .Should().BeEquivalentTo(new Dictionary<string, string?> { ["Telegram:BotToken"] = "main" });
    }

    [Fact]
    public void An_alias_beats_appsettings_but_not_the_command_line()
    {
        var builder = Microsoft.AspNetCore.Builder.WebApplication.CreateBuilder(["--Notifications:FrontendUrl=https://cli"]);
        builder.Configuration.AddEnvironmentAliases(new System.Collections.Hashtable
        {
            ["FRONTEND_URL"] = "https://env",
            ["ENABLE_TG_MECH_NOTIFS"] = "1",
        });

        builder.Configuration["Notifications:FrontendUrl"].Should().Be("https://cli");
        builder.Configuration["Notifications:MechanicStatusEnabled"].Should().Be("1");
    }
}
