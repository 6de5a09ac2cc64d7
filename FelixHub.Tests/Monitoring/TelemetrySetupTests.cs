using System.Collections.Concurrent;
using System.Text;
using FelixHub.Core.Orders;
using FelixHub.Tests.Infrastructure;
using FelixHub.Tests.Orders;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FelixHub.Tests.Monitoring;

/// <summary>A collector's OTLP/HTTP endpoints on loopback, keeping what each POST carried.</summary>
public sealed class FakeOtlpCollector : IAsyncDisposable
{
    private readonly WebApplication app;

    private FakeOtlpCollector(WebApplication app) => this.app = app;

    public string BaseUrl { get; private set; } = "";
    public ConcurrentQueue<(string Path, byte[] Body)> Posts { get; } = new();

    public static async Task<FakeOtlpCollector> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var collector = new FakeOtlpCollector(app);
        app.MapPost("/v1/{signal}", async (HttpContext http) =>
        {
            using var body = new MemoryStream();
            await http.Request.Body.CopyToAsync(body);
            collector.Posts.Enqueue((http.Request.Path.Value!, body.ToArray()));
            http.Response.ContentType = "application/x-protobuf";
        });
        await app.StartAsync();
        collector.BaseUrl = app.Urls.First();
        return collector;
    }

    /// <summary>The UTF-8 text of every body of one signal (protobuf keeps strings as they are).</summary>
    public string Text(string signal) =>
        string.Join('\n', Posts.Where(p => p.Path == "/v1/" + signal).Select(p => Encoding.UTF8.GetString(p.Body)));

    public ValueTask DisposeAsync() => app.DisposeAsync();
}

/// <summary>The telemetry settings: OTLP export and the validation of <c>Telemetry:*</c>.</summary>
public sealed class TelemetrySetupTests
{
    [Theory]
    [InlineData("-0.1")]
    [InlineData("1.5")]
    public async Task A_sample_ratio_outside_0_to_1_stops_the_start_naming_the_key(string ratio)
    {
        var start = () => TestWorker.StartAsync("Host=127.0.0.1;Port=9;Database=unused", telegram: null,
            new Dictionary<string, string?> { ["Telemetry:TraceSampleRatio"] = ratio });

        (await start.Should().ThrowAsync<OptionsValidationException>()).Which.Message.Should().Contain("TraceSampleRatio");
    }

    /// <summary>With <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> set, spans and metrics go to the collector, named felixhub-worker, without the bot token.</summary>
    [Fact]
    public async Task With_an_OTLP_endpoint_traces_and_metrics_reach_the_collector()
    {
        await using var collector = await FakeOtlpCollector.StartAsync();
        await using var telegram = await FakeTelegramServer.StartAsync();
        var database = await PostgresServer.CreateDatabaseAsync();
        try
        {
            await using var worker = await TestWorker.StartAsync(database, telegram, new Dictionary<string, string?>
            {
                ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.BaseUrl,
                ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
                ["OTEL_BSP_SCHEDULE_DELAY"] = "100",
                ["OTEL_METRIC_EXPORT_INTERVAL"] = "200",
            });
            var chat = TestWorker.NewChatId();
            var mechanic = await worker.CreateMechanicAsync(chat);
            var order = await worker.CreateOrderAsync(mechanic.Id);
            await worker.ChangeStatusAsync(order.Id, OrderStatus.InProgress);
            await Eventually.Until(() => telegram.Delivered.Any(d => d.ChatId == chat), "the mechanic's message");

            await Eventually.Until(() => collector.Text("traces").Contains("hangfire.job DeliveryJob.ExecuteAsync", StringComparison.Ordinal)
                && collector.Text("traces").Contains("/bot<redacted>/sendMessage", StringComparison.Ordinal), "the job's and the Telegram call's spans at the collector");
            await Eventually.Until(() => collector.Text("metrics").Contains("felixhub_jobs", StringComparison.Ordinal), "FelixHub's metrics at the collector");

            var traces = collector.Text("traces");
            traces.Should().Contain("felixhub-worker").And.NotContain(FakeTelegramServer.Token).And.NotContain(FakeTelegramServer.Token.Split(':')[1]);
            collector.Text("metrics").Should().Contain("felixhub-worker").And.Contain("resilience.polly").And.Contain("dotnet.gc");
        }
        finally
        {
            await PostgresServer.DropDatabaseAsync(database);
        }
    }
}
