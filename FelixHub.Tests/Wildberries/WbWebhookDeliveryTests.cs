using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using FelixHub.Core.Wildberries.Data;
using FelixHub.Core.Wildberries.Notifications;
using FelixHub.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace FelixHub.Tests.Wildberries;

/// <summary>A bot's webhook on 127.0.0.1 that checks FelixHub's signature the way the bot would.</summary>
public sealed class FakeBotWebhook : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly string secret;
    private int failuresLeft;

    private FakeBotWebhook(WebApplication app, string secret)
    {
        this.app = app;
        this.secret = secret;
    }

    public string Url { get; private set; } = "";
    public ConcurrentQueue<JsonObject> Accepted { get; } = new();
    public int BadSignatures;

    public static async Task<FakeBotWebhook> StartAsync(string secret)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var hook = new FakeBotWebhook(app, secret);
        app.MapPost("/webhook", (Func<HttpContext, Task<IResult>>)hook.HandleAsync);
        await app.StartAsync();
        hook.Url = app.Urls.First() + "/webhook";
        return hook;
    }

    public void FailNext(int count) => failuresLeft = count;

    private async Task<IResult> HandleAsync(HttpContext http)
    {
        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer);
        var body = buffer.ToArray();
        var timestamp = http.Request.Headers[WbWebhookSender.TimestampHeader].ToString();
        var expected = WbWebhookSender.Sign(secret, timestamp, body);
        if (http.Request.Headers[WbWebhookSender.SignatureHeader].ToString() != expected)
        {
            Interlocked.Increment(ref BadSignatures);
            return Results.StatusCode(401);
        }
        if (Interlocked.Decrement(ref failuresLeft) >= 0) return Results.StatusCode(503);
        Accepted.Enqueue(JsonNode.Parse(Encoding.UTF8.GetString(body))!.AsObject());
        return Results.Ok();
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}

public sealed class WbWebhookFixture : WbFixture
{
    public const string Secret = "webhook-secret-0123456789";

    public FakeBotWebhook Webhook { get; private set; } = null!;

    protected override void Configure(Dictionary<string, string?> settings)
    {
        Webhook = FakeBotWebhook.StartAsync(Secret).GetAwaiter().GetResult();
        settings["Wildberries:WebhookUrl"] = Webhook.Url;
        settings["Wildberries:WebhookSecret"] = Secret;
    }
}

/// <summary>Seed 003's delivery to a separate bot: the same notifications, POSTed to its webhook and signed.</summary>
public sealed class WbWebhookDeliveryTests(WbWebhookFixture fixture) : IClassFixture<WbWebhookFixture>
{
    [Fact]
    public async Task With_a_webhook_configured_notifications_are_posted_signed_once_each_and_not_sent_to_Telegram()
    {
        var worker = fixture.Worker;
        var hook = fixture.Webhook;
        var seller = fixture.Wb.NewSeller();
        var nm = FakeSeller.NewNmId();
        seller.AddCard(nm, "Куртка <зимняя>", "KT-1", "https://img.example/kt1.jpg");
        seller.AddOrder(nm);
        var user = WbTestSteps.NewTelegramId();

        var registered = await worker.RegisterAsync(user, seller);
        await Eventually.Until(async () => await worker.StateAsync(registered.CabinetId) == CabinetState.Active, "the initial sync", TimeSpan.FromSeconds(30));
        await worker.DispatchAsync();
        await Eventually.Until(() => hook.Accepted.Any(p => p["telegram_id"]!.GetValue<long>() == user), "the sync-complete payload");

        hook.FailNext(1); // the bot is briefly unavailable: the outbox retries
        seller.AddOrder(nm, price: 990m);
        await worker.SyncAsync(registered.CabinetId);
        await Eventually.Until(async () =>
        {
            await worker.DispatchAsync();
            return hook.Accepted.Count(p => p["telegram_id"]!.GetValue<long>() == user) == 2;
        }, "the new-order payload after the retry", TimeSpan.FromSeconds(30));
        await worker.SyncAsync(registered.CabinetId);

        var payloads = hook.Accepted.Where(p => p["telegram_id"]!.GetValue<long>() == user).ToList();
        payloads.Should().HaveCount(2, "re-reading the same rows posts nothing again");
        payloads[0]["event_type"]!.GetValue<string>().Should().Be(WbEventType.SyncComplete);
        var order = payloads[1];
        order["event_type"]!.GetValue<string>().Should().Be("new_order");
        order["cabinet_id"]!.GetValue<long>().Should().Be(registered.CabinetId);
        order["photo_url"]!.GetValue<string>().Should().Be("https://img.example/kt1.jpg");
        order["text"]!.GetValue<string>().Should().StartWith("🛒 <b>Новый заказ</b>").And.Contain("Куртка &lt;зимняя&gt;");
        order["event_key"]!.GetValue<string>().Should().NotBeNullOrEmpty();
        hook.BadSignatures.Should().Be(0);
        fixture.Telegram.MessagesTo(user).Should().BeEmpty("a configured webhook replaces the Telegram send");
        worker.Logs.AllText().Should().NotContain(WbWebhookFixture.Secret);
    }
}
