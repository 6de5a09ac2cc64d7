using FelixHub.Core.Wildberries.Data;
using FelixHub.Core.Wildberries.Sync;
using FelixHub.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace FelixHub.Tests.Wildberries;

/// <summary>WB's limits as WB counts them: one call per second per endpoint and seller account, whatever the key.</summary>
public sealed class WbSellerLimitFixture : WbFixture
{
    protected override void Configure(Dictionary<string, string?> settings)
    {
        foreach (var key in new[] { "StatisticsIntervalSeconds", "FeedbacksIntervalSeconds", "AnalyticsIntervalSeconds", "ContentIntervalSeconds" })
            settings["Wildberries:" + key] = "1";
        settings["Wildberries:MaxRateLimitWaitSeconds"] = "20";
    }

    public override async Task<FakeWbServer> StartWbAsync()
    {
        var wb = await FakeWbServer.StartAsync();
        // Stricter than nothing, looser than FelixHub's 1 s: only calls of one seller at the same time break it.
        wb.SellerLimit = TimeSpan.FromMilliseconds(500);
        return wb;
    }
}

/// <summary>Issue 21 §3: two keys of one seller account share one budget of WB calls.</summary>
public sealed class WbSellerLimitTests(WbSellerLimitFixture fixture) : IClassFixture<WbSellerLimitFixture>
{
    private readonly TestWorker worker = fixture.Worker;
    private readonly FakeTelegramServer telegram = fixture.Telegram;
    private readonly FakeWbServer wb = fixture.Wb;

    [Fact]
    public async Task Two_cabinets_of_one_seller_share_WBs_budget_and_never_cause_each_other_a_429()
    {
        var first = wb.NewSeller();
        var second = wb.NewSeller(sameSellerAs: first);
        var other = wb.NewSeller();
        foreach (var seller in new[] { first, second, other })
        {
            var nm = FakeSeller.NewNmId();
            for (var i = 0; i < 4; i++) seller.AddOrder(nm);
            seller.AddFeedback(nm, 1);
        }
        var users = new[] { WbTestSteps.NewTelegramId(), WbTestSteps.NewTelegramId(), WbTestSteps.NewTelegramId() };

        // Both initial syncs of the seller run at the same time, in Hangfire.
        var registered = await Task.WhenAll(worker.RegisterAsync(users[0], first), worker.RegisterAsync(users[1], second), worker.RegisterAsync(users[2], other));
        var ids = registered.Select(r => r.CabinetId).ToArray();
        await Eventually.Until(async () => (await Task.WhenAll(ids.Select(worker.StateAsync))).All(s => s == CabinetState.Active),
            "the three initial syncs", TimeSpan.FromSeconds(60));

        wb.SellerLimitHits.Should().Be(0, "the two initial syncs' calls were spaced as one seller's");

        foreach (var seller in new[] { first, second }) seller.AddOrder(FakeSeller.NewNmId());
        var results = await Task.WhenAll(worker.SyncAsync(ids[0]), worker.SyncAsync(ids[1]));

        results.Select(r => r.Status).Should().AllBeEquivalentTo(WbSyncStatus.Succeeded);
        wb.SellerLimitHits.Should().Be(0, "the two cabinets' calls were spaced as one seller's");
        var accounts = await Task.WhenAll(ids.Select(worker.RateLimitAccountAsync));
        accounts[0].Should().Be("sid:" + first.SellerId.ToLowerInvariant()).And.Be(accounts[1], "two keys of one seller are one account");
        accounts[2].Should().NotBe(accounts[0]);
        var orders = first.RequestsTo("/api/v1/supplier/orders").Concat(second.RequestsTo("/api/v1/supplier/orders")).Count();
        orders.Should().BeGreaterThanOrEqualTo(4, "both cabinets asked for orders twice, a second apart");
        (await worker.DbAsync(db => db.Set<WbRateLimit>().CountAsync(r => r.Account == accounts[0] && r.Endpoint == "orders"))).Should().Be(1);
        foreach (var user in users.Take(2)) (await telegram.SettledMessagesAsync(user, 2)).Should().HaveCount(2);
    }
}
