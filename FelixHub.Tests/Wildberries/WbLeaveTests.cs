using System.Net;
using System.Net.Http.Json;
using FelixHub.Core.Wildberries.Cabinets;
using FelixHub.Core.Wildberries.Data;
using FelixHub.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace FelixHub.Tests.Wildberries;

/// <summary>A WB worker with no Hangfire server: the tests run every sync and dispatch themselves, so what waits in the ledger stays there.</summary>
public sealed class WbManualFixture : WbFixture
{
    protected override void Configure(Dictionary<string, string?> settings) => settings["Hangfire:ServerEnabled"] = "false";
}

/// <summary>Issue 21 §2: a user leaving a cabinet, and the last one taking its key and data with them.</summary>
public sealed class WbLeaveTests(WbManualFixture fixture) : IClassFixture<WbManualFixture>
{
    private readonly TestWorker worker = fixture.Worker;
    private readonly FakeTelegramServer telegram = fixture.Telegram;
    private readonly FakeWbServer wb = fixture.Wb;

    private Task<HttpResponseMessage> LeaveAsync(long cabinetId, long telegramId) => worker.Http.DeleteAsync($"/api/cabinets/{cabinetId}/users/{telegramId}");

    private Task<int> RowsAsync(long cabinetId) => worker.DbAsync(async db =>
        await db.Set<WbCabinet>().CountAsync(c => c.Id == cabinetId)
        + await db.Set<WbOrder>().CountAsync(o => o.CabinetId == cabinetId)
        + await db.Set<WbSale>().CountAsync(o => o.CabinetId == cabinetId)
        + await db.Set<WbProduct>().CountAsync(o => o.CabinetId == cabinetId)
        + await db.Set<WbSyncCursor>().CountAsync(c => c.CabinetId == cabinetId)
        + await db.Set<WbSyncLog>().CountAsync(c => c.CabinetId == cabinetId)
        + await db.Set<NotificationHistory>().CountAsync(h => h.CabinetId == cabinetId));

    private Task<List<string>> LedgerStatesAsync(long cabinetId, long telegramId) => worker.DbAsync(db => db.Set<FelixHub.Core.Delivery.DeliveryMessage>()
        .Where(m => m.CabinetId == cabinetId && m.ChatId == telegramId.ToString(System.Globalization.CultureInfo.InvariantCulture) && m.Kind == "new_order").OrderBy(m => m.Id)
        .Select(m => m.State).ToListAsync());

    [Fact]
    public async Task A_user_leaving_stops_their_notifications_and_the_last_one_deletes_the_cabinets_key_and_data()
    {
        var seller = wb.NewSeller();
        var nmId = FakeSeller.NewNmId();
        seller.AddOrder(nmId);
        seller.AddSale('S', nmId);
        var owner = WbTestSteps.NewTelegramId();
        var partner = WbTestSteps.NewTelegramId();
        var cabinetId = (await worker.RegisterAsync(owner, seller)).CabinetId;
        await worker.SyncAsync(cabinetId);
        await worker.RegisterAsync(partner, seller);
        await worker.DispatchAsync();
        await telegram.SettledMessagesAsync(partner, 1);
        // No dispatcher runs here but the test's: the new-order messages wait in the ledger.
        seller.AddOrder(nmId);
        await worker.SyncAsync(cabinetId, dispatch: false);
        (await LedgerStatesAsync(cabinetId, partner)).Should().ContainSingle();

        (await LeaveAsync(cabinetId, partner)).StatusCode.Should().Be(HttpStatusCode.NoContent);

        (await LedgerStatesAsync(cabinetId, partner)).Should().Equal(new[] { "cancelled" }, "a user who left gets nothing more of the cabinet");
        await worker.DispatchAsync();
        (await telegram.SettledMessagesAsync(owner, 2)).Should().HaveCount(2, "the other user still gets the new order");
        telegram.MessagesTo(partner).Should().HaveCount(1);
        var cabinet = (await worker.Http.GetFromJsonAsync<CabinetResponse>($"/api/cabinets/{cabinetId}"))!;
        cabinet.Users.Select(u => u.TelegramId).Should().Equal(owner.ToString(System.Globalization.CultureInfo.InvariantCulture));
        (await RowsAsync(cabinetId)).Should().BeGreaterThan(5, "the cabinet and its data stay while a user is left");
        (await worker.Http.GetAsync($"/api/users/{partner}/notification-settings")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await LeaveAsync(cabinetId, partner)).StatusCode.Should().Be(HttpStatusCode.NotFound, "they are no longer its user");

        seller.AddOrder(nmId);
        await worker.SyncAsync(cabinetId, dispatch: false);
        (await LedgerStatesAsync(cabinetId, owner)).Should().HaveCount(2, "the second new order waits in the ledger");

        (await LeaveAsync(cabinetId, owner)).StatusCode.Should().Be(HttpStatusCode.NoContent);

        (await RowsAsync(cabinetId)).Should().Be(0, "the last user took the key, the synced rows, cursors, sync logs and history with them");
        (await worker.DbAsync(db => db.Set<FelixHub.Core.Wildberries.Data.WbRateLimit>().CountAsync(r => r.Account == "sid:" + seller.SellerId))).Should().Be(0);
        (await LedgerStatesAsync(cabinetId, owner)).Should().Equal(new[] { "sent", "cancelled" }, "what went out stays in the ledger, what had not is cancelled");
        await worker.DispatchAsync();
        await Task.Delay(300);
        telegram.MessagesTo(owner).Should().HaveCount(2);
        (await worker.Http.GetAsync($"/api/cabinets/{cabinetId}")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await LeaveAsync(cabinetId, owner)).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await worker.SyncAsync(cabinetId, waitIfSkipped: false)).Status.Should().Be(FelixHub.Core.Wildberries.Sync.WbSyncStatus.Skipped, "nothing is left to sync");

        // The same key can be registered again as a new cabinet, from nothing.
        var again = await worker.RegisterAsync(owner, seller);
        again.CabinetId.Should().NotBe(cabinetId);
    }
}
