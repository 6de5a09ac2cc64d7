using System.Collections;
using System.Diagnostics;
using FelixHub.Core.Orders;
using FelixHub.Tests.Infrastructure;
using FelixHub.Tests.Orders;
using FelixHub.Tests.Wildberries;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;
using Serilog.Formatting.Compact;

namespace FelixHub.Tests.Monitoring;

/// <summary>The fake Telegram and WB servers and a worker whose finished spans are kept in memory.</summary>
public sealed class TracingFixture : WbFixture
{
    public SpanList Spans { get; } = new();

    // Without an OTLP endpoint the worker records nothing by default: the in-memory exporter needs it on.
    protected override void Configure(Dictionary<string, string?> settings) => settings["Telemetry:TraceSampleRatio"] = "1";

    protected override void ConfigureServices(IServiceCollection services) =>
        services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(Spans));
}

/// <summary>
/// Traces (issue 20 §3): an API call, the Hangfire job it enqueues and that job's Telegram call are one
/// trace; the job's log lines carry its trace id beside the requestId; no span carries a secret.
/// Span listeners are process-wide, so the list also holds other test classes' spans: assertions pick
/// this test's trace, and the secret check covers them all.
/// </summary>
public sealed class TracingTests(TracingFixture fixture) : IClassFixture<TracingFixture>
{
    private readonly TestWorker worker = fixture.Worker;

    [Fact]
    public async Task A_status_change_is_one_trace_from_the_request_through_the_job_to_the_Telegram_call()
    {
        var chat = TestWorker.NewChatId();
        var mechanic = await worker.CreateMechanicAsync(chat);
        var order = await worker.CreateOrderAsync(mechanic.Id);

        var requestId = "req-trace-" + Guid.NewGuid().ToString("N")[..12]; // other classes' workers patch order ids like these too

        var response = await worker.PatchOrderAsync(order.Id, new { status = OrderStatus.InProgress }, requestId);
        response.EnsureSuccessStatusCode();

        Activity? request = null, job = null, telegramCall = null;
        await Eventually.Until(() =>
        {
            var spans = fixture.Spans.Snapshot();
            request = spans.SingleOrDefault(s => s.Kind == ActivityKind.Server && Tag(s, "felixhub.request_id") == requestId);
            if (request is null) return false;
            var trace = spans.Where(s => s.TraceId == request.TraceId).ToList();
            job = trace.SingleOrDefault(s => s.Source.Name == "FelixHub.Hangfire");
            telegramCall = trace.SingleOrDefault(s => s.Kind == ActivityKind.Client && Tag(s, "url.full")?.StartsWith(fixture.Telegram.BaseUrl, StringComparison.Ordinal) == true);
            return job is not null && telegramCall is not null;
        }, "the request's, the job's and the Telegram call's spans in one trace");

        request!.DisplayName.Should().Be("PATCH /api/orders/{id:int}");
        Tag(request, "url.path").Should().Be($"/api/orders/{order.Id}");
        job!.DisplayName.Should().Be("hangfire.job DeliveryJob.ExecuteAsync");
        job.Kind.Should().Be(ActivityKind.Consumer);
        job.Status.Should().Be(ActivityStatusCode.Ok);
        job.GetTagItem("felixhub.request_id").Should().Be(requestId);
        request!.GetTagItem("felixhub.request_id").Should().Be(requestId);
        var spansById = fixture.Spans.Snapshot().Where(s => s.TraceId == request!.TraceId).ToDictionary(s => s.SpanId);
        Ancestors(telegramCall!, spansById).Should().ContainInOrder(job, request!);
        Ancestors(job, spansById).Should().Contain(request!);
        Tag(telegramCall!, "url.full").Should().Be($"{fixture.Telegram.BaseUrl}/bot<redacted>/sendMessage");
        Tag(telegramCall!, "http.response.status_code").Should().Be("200");

        var database = spansById.Values.Where(s => s.Source.Name == "Npgsql").ToList();
        database.Should().NotBeEmpty("the request's and the job's commands are in the trace");
        database.Should().OnlyContain(s => s.GetTagItem("db.query.text") == null, "SQL text is off by default");
        database.Should().OnlyContain(s => s.GetTagItem("db.npgsql.data_source") == null, "the connection string stays out of spans");

        var sent = worker.Logs.Containing("delivered to chat").Single(e => e.Property("orderId") == order.Id.ToString());
        sent.Property("requestId").Should().Be(requestId);
        sent.TraceId.Should().Be(request!.TraceId, "the job's log lines carry the request's trace id");
        using (var json = new StringWriter())
        {
            new RenderedCompactJsonFormatter().Format(sent, json); // Logging:Format=json
            json.ToString().Should().Contain($"\"@tr\":\"{request.TraceId}\"").And.Contain($"\"@sp\":\"{job.SpanId}\"")
                .And.Contain($"\"requestId\":\"{requestId}\"");
        }
        worker.Logs.Containing("status changed").Should().Contain(e => e.Property("requestId") == requestId && e.TraceId == request.TraceId);
    }

    [Fact]
    public async Task No_span_carries_the_bot_token_or_a_WB_key()
    {
        var seller = fixture.Wb.NewSeller();
        var user = WbTestSteps.NewTelegramId();
        var cabinetId = await worker.RegisterAndWaitAsync(fixture.Telegram, user, seller);
        await worker.SyncAsync(cabinetId);
        var chat = TestWorker.NewChatId();
        var mechanic = await worker.CreateMechanicAsync(chat);
        var order = await worker.CreateOrderAsync(mechanic.Id);
        fixture.Telegram.FailNext(1, FakeReply.ServerError);
        await worker.ChangeStatusAsync(order.Id, OrderStatus.InProgress);
        await Eventually.Until(() => fixture.Telegram.Delivered.Any(d => d.ChatId == chat), "the mechanic's message after a retry");

        var spans = fixture.Spans.Snapshot();
        spans.Should().Contain(s => Tag(s, "url.full") != null && Tag(s, "url.full")!.StartsWith(fixture.Wb.BaseUrl, StringComparison.Ordinal), "WB calls are traced");
        spans.Should().Contain(s => Tag(s, "url.full") != null && Tag(s, "url.full")!.StartsWith(fixture.Telegram.BaseUrl, StringComparison.Ordinal), "Telegram calls are traced");
        var secrets = new[] { FakeTelegramServer.Token, FakeTelegramServer.Token.Split(':')[1], seller.Token, seller.Token.Split('.')[1] };
        foreach (var span in spans)
        {
            var text = Everything(span);
            foreach (var secret in secrets)
                text.Should().NotContain(secret, $"span {span.Source.Name} '{span.DisplayName}' must not carry a secret");
        }
    }

    private static string? Tag(Activity span, string key) => span.GetTagItem(key)?.ToString();

    private static List<Activity> Ancestors(Activity span, IReadOnlyDictionary<ActivitySpanId, Activity> byId)
    {
        var chain = new List<Activity>();
        for (var parent = span.ParentSpanId; byId.TryGetValue(parent, out var next); parent = next.ParentSpanId)
            chain.Add(next);
        return chain;
    }

    /// <summary>Every string a span exports: name, status, tags, events and their tags, links, baggage.</summary>
    private static string Everything(Activity span) => string.Join('\n',
        new[] { span.DisplayName, span.OperationName, span.StatusDescription ?? "" }
            .Concat(span.TagObjects.Select(t => $"{t.Key}={t.Value}"))
            .Concat(span.Events.SelectMany(e => e.Tags.Select(t => $"{t.Key}={t.Value}").Prepend(e.Name)))
            .Concat(span.Links.SelectMany(l => (l.Tags ?? []).Select(t => $"{t.Key}={t.Value}")))
            .Concat(span.Baggage.Select(b => $"{b.Key}={b.Value}")));
}

/// <summary>A thread-safe collection for the in-memory exporter, which adds from whichever thread ends a span.</summary>
public sealed class SpanList : ICollection<Activity>
{
    private readonly List<Activity> spans = [];

    public List<Activity> Snapshot()
    {
        lock (spans) return [.. spans];
    }

    public int Count
    {
        get
        {
            lock (spans) return spans.Count;
        }
    }

    public bool IsReadOnly => false;

    public void Add(Activity item)
    {
        lock (spans) spans.Add(item);
    }

    public void Clear()
    {
        lock (spans) spans.Clear();
    }

    public bool Contains(Activity item)
    {
        lock (spans) return spans.Contains(item);
    }

    public void CopyTo(Activity[] array, int arrayIndex)
    {
        lock (spans) spans.CopyTo(array, arrayIndex);
    }

    public bool Remove(Activity item)
    {
        lock (spans) return spans.Remove(item);
    }

    public IEnumerator<Activity> GetEnumerator() => Snapshot().GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
