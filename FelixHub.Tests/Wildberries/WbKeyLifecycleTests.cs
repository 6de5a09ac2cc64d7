using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using FelixHub.Core.Wildberries;
using FelixHub.Core.Wildberries.Cabinets;
using FelixHub.Core.Wildberries.Data;
using FelixHub.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace FelixHub.Tests.Wildberries;

/// <summary>Issue 21 §2: replacing a cabinet's key keeps everything, and refuses another seller's key or another cabinet's.</summary>
public sealed class WbKeyLifecycleTests(WbFixture fixture) : IClassFixture<WbFixture>
{
    private readonly TestWorker worker = fixture.Worker;
    private readonly FakeTelegramServer telegram = fixture.Telegram;
    private readonly FakeWbServer wb = fixture.Wb;

    private Task<HttpResponseMessage> PutKeyAsync(long cabinetId, string apiKey) =>
        worker.Http.PutAsJsonAsync($"/api/cabinets/{cabinetId}/key", new { apiKey });

    private Task<WbCabinet> CabinetRowAsync(long cabinetId) => worker.DbAsync(db => db.Set<WbCabinet>().AsNoTracking().SingleAsync(c => c.Id == cabinetId));

    private async Task<string> RefusalAsync(HttpResponseMessage response)
    {
        response.StatusCode.Should().Be(HttpStatusCode.BadRequest, await response.Content.ReadAsStringAsync());
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        return string.Join(" ", problem["errors"]!["apiKey"]!.AsArray().Select(e => e!.GetValue<string>()));
    }

    private Task<(int Orders, int Cursors, int History)> CountsAsync(long cabinetId) => worker.DbAsync(async db => (
        await db.Set<WbOrder>().CountAsync(o => o.CabinetId == cabinetId),
        await db.Set<WbSyncCursor>().CountAsync(c => c.CabinetId == cabinetId),
        await db.Set<NotificationHistory>().CountAsync(h => h.CabinetId == cabinetId)));

    [Fact]
    public async Task Replacing_the_key_keeps_the_cabinet_its_history_and_settings_and_announces_nothing_twice()
    {
        var seller = wb.NewSeller();
        var nmId = FakeSeller.NewNmId();
        seller.AddOrder(nmId);
        seller.AddOrder(nmId);
        var owner = WbTestSteps.NewTelegramId();
        var partner = WbTestSteps.NewTelegramId();
        var cabinetId = await worker.RegisterAndWaitAsync(telegram, owner, seller);
        await worker.RegisterAsync(partner, seller);
        await telegram.SettledMessagesAsync(partner, 1);
        var settings = new
        {
            notificationsEnabled = true, newOrdersEnabled = true, orderBuyoutsEnabled = false, orderCancellationsEnabled = true,
            orderReturnsEnabled = false, negativeReviewsEnabled = true, criticalStocksEnabled = true,
        };
        await worker.PutSettingsAsync(partner, settings);
        seller.AddOrder(nmId);
        await worker.SyncAsync(cabinetId);
        await telegram.SettledMessagesAsync(owner, 2);
        await telegram.SettledMessagesAsync(partner, 2);
        var before = await CountsAsync(cabinetId);
        before.History.Should().Be(4, "two 'sync complete' and two new-order messages went out");

        var newKey = wb.AddKey(seller);
        var response = await PutKeyAsync(cabinetId, newKey);

        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var body = (await response.Content.ReadFromJsonAsync<RegisterCabinetResponse>())!;
        body.CabinetId.Should().Be(cabinetId);
        body.State.Should().Be(CabinetState.Active);
        var row = await CabinetRowAsync(cabinetId);
        row.ApiKeyHash.Should().Be(WbApiKey.Hash(newKey));
        (await CountsAsync(cabinetId)).Should().Be(before, "the synced rows, cursors and history stay");
        (await worker.DbAsync(db => db.Set<CabinetUser>().CountAsync(u => u.CabinetId == cabinetId))).Should().Be(2);
        (await worker.Http.GetFromJsonAsync<JsonObject>($"/api/users/{partner}/notification-settings"))!["orderBuyoutsEnabled"]!.GetValue<bool>()
            .Should().BeFalse("every user's settings stay");

        var requestsBefore = seller.Requests.Count;
        await worker.SyncAsync(cabinetId);
        seller.Requests.Skip(requestsBefore).Should().NotBeEmpty().And.OnlyContain(r => r.Authorization == newKey, "the sync uses the new key");
        await Task.Delay(300);
        telegram.MessagesTo(owner).Should().HaveCount(2, "a sync after the replacement announces nothing it already did");
        telegram.MessagesTo(partner).Should().HaveCount(2);

        var fresh = seller.AddOrder(nmId, srid: "srid-after-replacement");
        await worker.SyncAsync(cabinetId);
        var messages = await telegram.SettledMessagesAsync(owner, 3);
        messages.Should().HaveCount(3);
        messages[2].Content().Should().StartWith("🛒 <b>Новый заказ</b>");
        (await telegram.SettledMessagesAsync(partner, 3)).Should().HaveCount(3);
        (await worker.DbAsync(db => db.Set<WbOrder>().AnyAsync(o => o.CabinetId == cabinetId && o.Srid == fresh.Srid))).Should().BeTrue();

        var again = await PutKeyAsync(cabinetId, newKey);
        again.StatusCode.Should().Be(HttpStatusCode.OK, "replacing a key with itself changes nothing");
    }

    [Fact]
    public async Task A_key_of_another_seller_or_of_another_cabinet_is_refused_and_changes_nothing()
    {
        var seller = wb.NewSeller();
        var cabinetId = await worker.RegisterAndWaitAsync(telegram, WbTestSteps.NewTelegramId(), seller);
        var stranger = wb.NewSeller();

        var refusal = await RefusalAsync(await PutKeyAsync(cabinetId, stranger.Token));

        refusal.Should().Contain("another seller account");
        stranger.Requests.Should().BeEmpty("a key of another seller is refused before WB is asked");
        (await CabinetRowAsync(cabinetId)).ApiKeyHash.Should().Be(WbApiKey.Hash(seller.Token));

        // A second key of the same seller that already serves a cabinet of its own.
        var secondKey = wb.AddKey(seller);
        var registered = await worker.PostCabinetAsync(WbTestSteps.NewTelegramId(), secondKey);
        registered.StatusCode.Should().Be(HttpStatusCode.Accepted, await registered.Content.ReadAsStringAsync());
        (await registered.Content.ReadFromJsonAsync<RegisterCabinetResponse>())!.CabinetId.Should().NotBe(cabinetId);
        (await RefusalAsync(await PutKeyAsync(cabinetId, secondKey))).Should().Contain("already registered for another cabinet");
        (await CabinetRowAsync(cabinetId)).ApiKeyHash.Should().Be(WbApiKey.Hash(seller.Token));

        var expired = wb.AddKey(seller, validFor: TimeSpan.FromDays(-1));
        (await RefusalAsync(await PutKeyAsync(cabinetId, expired))).Should().Contain("expired");

        (await PutKeyAsync(long.MaxValue - 5, wb.AddKey(seller))).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }
}
