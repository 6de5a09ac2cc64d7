using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using FelixHub.Tests.Infrastructure;
using FelixHub.Tests.Reliability;
using FelixHub.Worker.Hosting;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace FelixHub.Tests.Hosting;

/// <summary>
/// The three probes: <c>/alive</c> (the process), <c>/ready</c> (the database and Hangfire's storage),
/// <c>/health</c> (everything, the business alerts included).
/// </summary>
public sealed class ProbeTests(WorkerFixture fixture) : IClassFixture<WorkerFixture>
{
    private readonly TestWorker worker = fixture.Worker;

    private async Task<(HttpStatusCode Status, string[] Checks)> ProbeAsync(string path)
    {
        using var response = await worker.Http.GetAsync(path);
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        return (response.StatusCode, body["checks"]!.AsObject().Select(c => c.Key).Order(StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public async Task Alive_runs_no_check_ready_runs_the_database_and_hangfire_and_health_runs_every_check()
    {
        (await ProbeAsync("/alive")).Should().Be((HttpStatusCode.OK, Array.Empty<string>()));
        var ready = await ProbeAsync("/ready");
        ready.Status.Should().Be(HttpStatusCode.OK);
        ready.Checks.Should().Equal("database", "hangfire");
        var health = await ProbeAsync("/health");
        health.Checks.Should().Contain(["alerts", "database", "hangfire", "inbox"]);
    }

    [Fact]
    public async Task A_critical_business_alert_turns_health_503_and_leaves_the_replica_ready()
    {
        // Ten messages failed for good in the last hour: the failure-spike rule is critical.
        await worker.DbAsync(db => db.Database.ExecuteSqlRawAsync("""
            INSERT INTO delivery_messages (kind, dedup_key, chat_id, text, state, attempts, last_error, due_at, created_at, finished_at)
            SELECT 'mechanic_status_change', 'probe-' || g, '1', 'text', 'failed', 1, 'Failed to send', now(), now(), now() FROM generate_series(1, 10) g
            """));
        try
        {
            (await worker.Http.GetAsync("/health")).StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
            (await worker.Http.GetAsync("/ready")).StatusCode.Should().Be(HttpStatusCode.OK, "a business alert does not take the replica out of the rotation");
            (await worker.Http.GetAsync("/alive")).StatusCode.Should().Be(HttpStatusCode.OK);
        }
        finally
        {
            await worker.DbAsync(db => db.Database.ExecuteSqlRawAsync("DELETE FROM delivery_messages WHERE dedup_key LIKE 'probe-%'"));
        }
    }

    [Theory]
    [InlineData("/alive", "http://+:8080", "http://localhost:8080/alive")]
    [InlineData("ready", "http://0.0.0.0:5080;https://*:5443", "http://localhost:5080/ready")]
    [InlineData("/health", null, "http://localhost:8080/health")]
    [InlineData("http://127.0.0.1:9999/alive", "http://+:8080", "http://127.0.0.1:9999/alive")]
    public void The_probe_command_resolves_its_target_from_the_listening_urls(string pathOrUrl, string? urls, string expected) =>
        Probe.ResolveUrl(pathOrUrl, urls).Should().Be(new Uri(expected));
}

/// <summary>With its database gone, a replica is alive and not ready; the probe command says so with its exit code.</summary>
[Collection(FaultsCollection.Name)]
public sealed class ProbeOutageTests
{
    [Fact]
    public async Task Without_its_database_a_replica_is_alive_but_not_ready_and_the_probe_command_exits_accordingly()
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        var real = new NpgsqlConnectionStringBuilder(database);
        await using var proxy = new TcpProxy(real.Host!, real.Port);
        var viaProxy = new NpgsqlConnectionStringBuilder(database) { Port = proxy.Port, Timeout = 3 }.ConnectionString;
        await using var worker = await WorkerProcess.StartAsync(viaProxy, telegram: null);
        try
        {
            (await worker.Http.GetAsync("/ready")).StatusCode.Should().Be(HttpStatusCode.OK);
            (await ProbeCommandAsync(worker.BaseUrl + "/ready")).Should().Be(0);

            proxy.Cut();
            (await worker.Http.GetAsync("/alive")).StatusCode.Should().Be(HttpStatusCode.OK, "liveness never depends on the database");
            (await worker.Http.GetAsync("/ready")).StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
            (await ProbeCommandAsync(worker.BaseUrl + "/alive")).Should().Be(0);
            (await ProbeCommandAsync(worker.BaseUrl + "/ready")).Should().Be(1);

            proxy.Restore();
            await Eventually.Until(async () => (await worker.Http.GetAsync("/ready")).StatusCode == HttpStatusCode.OK, "ready again", TimeSpan.FromSeconds(30));
        }
        finally
        {
            proxy.Restore();
        }
        (await ProbeCommandAsync("http://127.0.0.1:9/alive")).Should().Be(1, "nothing answers there");
        await PostgresServer.DropDatabaseAsync(database);
    }

    /// <summary>Runs <c>dotnet FelixHub.Worker.dll probe URL</c>, as the container's health check does.</summary>
    private static async Task<int> ProbeCommandAsync(string url)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(WorkerProcess.WorkerAssembly);
        start.ArgumentList.Add("probe");
        start.ArgumentList.Add(url);
        using var process = Process.Start(start)!;
        await process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        return process.ExitCode;
    }
}
