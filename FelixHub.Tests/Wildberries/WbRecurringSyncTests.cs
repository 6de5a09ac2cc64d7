using FelixHub.Core.Wildberries.Data;
using FelixHub.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace FelixHub.Tests.Wildberries;

/// <summary>A worker whose SYNC_INTERVAL is 2 s: Hangfire's recurring fan-out alone keeps the cabinet in sync.</summary>
public sealed class WbRecurringSyncFixture : WbFixture
{
    protected override void Configure(Dictionary<string, string?> settings)
    {
        settings["Wildberries:SyncIntervalSeconds"] = "2";
        settings["Wildberries:StatisticsPageSize"] = "100";
    }

    public override Task<FakeWbServer> StartWbAsync() => FakeWbServer.StartAsync(statisticsPageSize: 100);
}

public sealed class WbRecurringSyncTests(WbRecurringSyncFixture fixture) : IClassFixture<WbRecurringSyncFixture>
{
    private readonly TestWorker worker = fixture.Worker;
    private readonly FakeTelegramServer telegram = fixture.Telegram;
    private readonly FakeWbServer wb = fixture.Wb;

    [Fact]
    public async Task The_recurring_fan_out_syncs_a_few_hundred_rows_and_then_notifies_only_whats_new()
    {
        var seller = wb.NewSeller();
        var products = Enumerable.Range(0, 20).Select(_ => FakeSeller.NewNmId()).ToList();
        foreach (var nm in products) seller.AddCard(nm, "Товар " + nm, "V-" + nm, null);
        for (var i = 0; i < 300; i++) seller.AddOrder(products[i % products.Count]);
        for (var i = 0; i < 120; i++) seller.AddSale(i % 10 == 0 ? 'R' : 'S', products[i % products.Count]);
        var user = WbTestSteps.NewTelegramId();

        var registered = await worker.RegisterAsync(user, seller);
        await Eventually.Until(async () => await worker.StateAsync(registered.CabinetId) == CabinetState.Active, "the initial sync", TimeSpan.FromSeconds(60));
        (await worker.DbAsync(db => db.Set<WbOrder>().CountAsync(o => o.CabinetId == registered.CabinetId))).Should().Be(300);

        seller.AddOrder(products[0]);
        seller.AddOrder(products[1]);
        seller.AddSale('S', products[2]);

        // No manual sync: the fan-out fires every 2 s and queues the cabinet's sync job.
        var messages = await telegram.SettledMessagesAsync(user, 4);
        await Eventually.Until(async () => await worker.DbAsync(db => db.Set<WbSyncLog>().CountAsync(l => l.CabinetId == registered.CabinetId && l.Kind == "regular" && l.Status == "succeeded")) >= 3,
            "a few more recurring syncs", TimeSpan.FromSeconds(30));
        await Task.Delay(500);
        telegram.MessagesTo(user).Should().HaveCount(4, "sync complete, two orders, one buyout; later syncs find nothing new");
        messages[0].Content().Should().Contain("заказов — 300").And.Contain("продаж и возвратов — 120");

        var dashboard = await worker.Http.GetStringAsync("/hangfire/recurring");
        dashboard.Should().Contain("wb-sync-fan-out").And.Contain("delivery-dispatch");
    }
}
