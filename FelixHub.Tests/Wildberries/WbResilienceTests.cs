using FelixHub.Core.Wildberries.Data;
using FelixHub.Core.Wildberries.Sync;
using FelixHub.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace FelixHub.Tests.Wildberries;

/// <summary>WB misbehaving: 429s, 5xx, 400s, 401, broken bodies. A sync keeps what it committed and the next one resumes without duplicates.</summary>
public sealed class WbResilienceTests(WbFixture fixture) : IClassFixture<WbFixture>
{
    private const string OrdersPath = "/api/v1/supplier/orders";
    private readonly TestWorker worker = fixture.Worker;
    private readonly FakeTelegramServer telegram = fixture.Telegram;
    private readonly FakeWbServer wb = fixture.Wb;

    private async Task<(FakeSeller Seller, long Nm, long CabinetId, long User)> RegisteredAsync()
    {
        var seller = wb.NewSeller();
        var nm = FakeSeller.NewNmId();
        seller.AddOrder(nm);
        var user = WbTestSteps.NewTelegramId();
        var cabinetId = await worker.RegisterAndWaitAsync(telegram, user, seller);
        return (seller, nm, cabinetId, user);
    }

    /// <summary>Answers the <paramref name="nth"/> call of <paramref name="path"/> from now on with <paramref name="reply"/>.</summary>
    private static void FailCall(FakeSeller seller, string path, int nth, FakeWbReply reply, int times = 1)
    {
        var offset = seller.RequestsTo(path).Count;
        seller.Script = r => r.Path == path && r.Nth - offset >= nth && r.Nth - offset < nth + times ? reply : null;
    }

    /// <summary>Every delivery is a distinct event: Telegram got exactly as many calls as there are events in the history.</summary>
    private async Task NothingSentTwiceAsync(long user, int expected)
    {
        var chat = user.ToString(System.Globalization.CultureInfo.InvariantCulture);
        telegram.Calls.Count(c => c.ChatId == chat).Should().Be(expected);
        var keys = await worker.DbAsync(db => db.Set<NotificationHistory>().Where(h => h.TelegramId == user).Select(h => h.EventKey).ToListAsync());
        keys.Should().HaveCount(expected).And.OnlyHaveUniqueItems();
    }

    private Task<WbSyncLog> LastLogAsync(long cabinetId) =>
        worker.DbAsync(db => db.Set<WbSyncLog>().Where(l => l.CabinetId == cabinetId).OrderByDescending(l => l.Id).FirstAsync());

    [Fact]
    public async Task A_429_in_the_middle_of_paging_waits_X_Ratelimit_Retry_and_resumes_where_it_stopped()
    {
        var (seller, nm, cabinetId, user) = await RegisteredAsync();
        for (var i = 0; i < 7; i++) seller.AddOrder(nm);
        var before = seller.RequestsTo(OrdersPath).Count;
        FailCall(seller, OrdersPath, 2, FakeWbReply.TooManyRequests(1));

        var result = await worker.SyncAsync(cabinetId);

        result.Status.Should().Be(WbSyncStatus.Succeeded);
        (await telegram.SettledMessagesAsync(user, 8)).Should().HaveCount(8);
        var requests = seller.RequestsTo(OrdersPath).Skip(before).ToList();
        requests[2].Query["dateFrom"].Should().Be(requests[1].Query["dateFrom"], "the page WB refused is asked for again");
        var account = await worker.RateLimitAccountAsync(cabinetId);
        var limit = await worker.DbAsync(db => db.Set<WbRateLimit>().SingleAsync(r => r.Account == account && r.Endpoint == "orders"));
        limit.NextAllowedAt.Should().BeAfter(DateTimeOffset.UtcNow.AddMinutes(-1), "the 429's wait was persisted for every replica");
    }

    [Fact]
    public async Task A_429_longer_than_a_sync_may_wait_defers_the_endpoint_and_the_next_sync_resumes_from_the_committed_page()
    {
        var (seller, nm, cabinetId, user) = await RegisteredAsync();
        for (var i = 0; i < 7; i++) seller.AddOrder(nm);
        var before = seller.RequestsTo(OrdersPath).Count;
        FailCall(seller, OrdersPath, 2, FakeWbReply.TooManyRequests(600));

        var deferred = await worker.SyncAsync(cabinetId);

        deferred.Status.Should().Be(WbSyncStatus.Partial);
        (await LastLogAsync(cabinetId)).Deferred.Should().Be("orders");
        var account = await worker.RateLimitAccountAsync(cabinetId);
        var limit = await worker.DbAsync(db => db.Set<WbRateLimit>().SingleAsync(r => r.Account == account && r.Endpoint == "orders"));
        limit.NextAllowedAt.Should().BeCloseTo(DateTimeOffset.UtcNow.AddSeconds(600), TimeSpan.FromSeconds(30));
        (await telegram.SettledMessagesAsync(user, 3)).Should().HaveCount(3, "the first page (the boundary row and two new orders) was committed and notified");

        var blocked = await worker.SyncAsync(cabinetId);
        blocked.Status.Should().Be(WbSyncStatus.Partial, "the persisted limit still holds");
        seller.RequestsTo(OrdersPath).Count.Should().Be(before + 2, "no call goes out before WB's time");

        // WB's ten minutes pass.
        await worker.DbAsync(db => db.Set<WbRateLimit>().Where(r => r.Account == account).ExecuteUpdateAsync(u => u.SetProperty(r => r.NextAllowedAt, DateTimeOffset.UtcNow)));
        var resumed = await worker.SyncAsync(cabinetId);

        resumed.Status.Should().Be(WbSyncStatus.Succeeded);
        var requests = seller.RequestsTo(OrdersPath).Skip(before).ToList();
        requests[2].Query["dateFrom"].Should().Be(requests[1].Query["dateFrom"], "the next sync starts at the committed cursor");
        (await telegram.SettledMessagesAsync(user, 8)).Should().HaveCount(8);
        await NothingSentTwiceAsync(user, 8);
    }

    public static TheoryData<string> BrokenBodies => new() { "malformed", "truncated" };

    [Theory]
    [MemberData(nameof(BrokenBodies))]
    public async Task A_broken_page_fails_the_sync_keeps_what_was_committed_and_the_next_sync_completes_without_duplicates(string kind)
    {
        var (seller, nm, cabinetId, user) = await RegisteredAsync();
        for (var i = 0; i < 7; i++) seller.AddOrder(nm);
        seller.AddSale('S', nm);
        FailCall(seller, OrdersPath, 2, kind == "malformed" ? FakeWbReply.Malformed : FakeWbReply.Truncated);

        var failed = await worker.SyncAsync(cabinetId);

        failed.Status.Should().Be(WbSyncStatus.Failed);
        var log = await LastLogAsync(cabinetId);
        log.Status.Should().Be("failed");
        log.Error.Should().Contain("orders").And.Contain("unreadable");
        log.Orders.Should().Be(2, "the first page (the boundary row and two new orders) was committed");
        log.Sales.Should().Be(1, "the other endpoints still ran");
        (await worker.DbAsync(db => db.Set<WbOrder>().CountAsync(o => o.CabinetId == cabinetId))).Should().Be(3);
        (await worker.DbAsync(db => db.Set<WbCabinet>().SingleAsync(c => c.Id == cabinetId))).LastSyncError.Should().Contain("unreadable");
        (await telegram.SettledMessagesAsync(user, 4)).Should().HaveCount(4, "sync complete, two orders and the buyout");

        seller.Script = null;
        var next = await worker.SyncAsync(cabinetId);

        next.Status.Should().Be(WbSyncStatus.Succeeded);
        (await worker.DbAsync(db => db.Set<WbOrder>().CountAsync(o => o.CabinetId == cabinetId))).Should().Be(8);
        (await telegram.SettledMessagesAsync(user, 9)).Should().HaveCount(9, "1 sync-complete + 7 orders + 1 buyout, each once");
        await NothingSentTwiceAsync(user, 9);
    }

    [Fact]
    public async Task Server_errors_are_retried_with_backoff_inside_the_sync()
    {
        var (seller, nm, cabinetId, user) = await RegisteredAsync();
        seller.AddOrder(nm);
        var before = seller.RequestsTo(OrdersPath).Count;
        FailCall(seller, OrdersPath, 1, FakeWbReply.ServerError, times: 2);

        var result = await worker.SyncAsync(cabinetId);

        result.Status.Should().Be(WbSyncStatus.Succeeded);
        seller.RequestsTo(OrdersPath).Skip(before).Select(r => r.Query["dateFrom"]).Distinct().Should().ContainSingle();
        (await telegram.SettledMessagesAsync(user, 2)).Should().HaveCount(2);
    }

    public static TheoryData<string, string> BadRequests => new() { { "list", "dateFrom: bad value from WB" }, { "text", "flag: bad value from WB" } };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task A_400_in_either_of_WBs_shapes_is_recorded_with_WBs_reason(string shape, string reason)
    {
        var (seller, _, cabinetId, _) = await RegisteredAsync();
        FailCall(seller, "/api/v1/supplier/sales", 1, shape == "list" ? FakeWbReply.BadRequestList(reason) : FakeWbReply.BadRequestText(reason), times: 100);

        var result = await worker.SyncAsync(cabinetId);

        result.Status.Should().Be(WbSyncStatus.Failed);
        (await LastLogAsync(cabinetId)).Error.Should().Be($"sales: WB answered 400 on sales: {reason}");
        seller.RequestsTo("/api/v1/supplier/sales").Count(r => r.Nth > 1).Should().Be(1, "a 400 is not retried");
    }

    [Fact]
    public async Task Feedbacks_answering_an_error_envelope_is_recorded()
    {
        var (seller, _, cabinetId, _) = await RegisteredAsync();
        FailCall(seller, "/api/v1/feedbacks", 1, new FakeWbReply(200, """{"data":null,"error":true,"errorText":"Внутренняя ошибка","additionalErrors":null}"""), times: 100);

        var result = await worker.SyncAsync(cabinetId);

        result.Status.Should().Be(WbSyncStatus.Failed);
        (await LastLogAsync(cabinetId)).Error.Should().Contain("Внутренняя ошибка");
    }

    [Fact]
    public async Task A_key_WB_stops_accepting_marks_the_cabinet_and_registering_it_again_revives_it()
    {
        var (seller, nm, cabinetId, user) = await RegisteredAsync();
        seller.Rejected = true;

        var result = await worker.SyncAsync(cabinetId);

        result.Status.Should().Be(WbSyncStatus.Failed);
        (await worker.StateAsync(cabinetId)).Should().Be(CabinetState.KeyRejected);
        (await worker.SyncAsync(cabinetId, waitIfSkipped: false)).Status.Should().Be(WbSyncStatus.Skipped, "a rejected key is not synced");

        seller.Rejected = false;
        (await worker.RegisterAsync(user, seller)).Should().BeEquivalentTo(new { CabinetId = cabinetId, State = CabinetState.Active });
        seller.AddOrder(nm);
        (await worker.SyncAsync(cabinetId)).Status.Should().Be(WbSyncStatus.Succeeded);
        var messages = await telegram.SettledMessagesAsync(user, 3);
        messages.Should().HaveCount(3, "the user is told the key was rejected, not 'sync complete' twice; the new order arrives");
        messages[1].Content().Should().StartWith("⛔ <b>Wildberries отклонил API-ключ кабинета</b>");
    }

    [Fact]
    public async Task Logs_never_contain_the_API_key()
    {
        var (seller, nm, cabinetId, _) = await RegisteredAsync();
        seller.AddOrder(nm);
        FailCall(seller, OrdersPath, 1, FakeWbReply.Unauthorized);
        await worker.SyncAsync(cabinetId);

        var text = worker.Logs.AllText();
        text.Should().NotContain(seller.Token);
        text.Should().NotContain(seller.Token.Split('.')[2], "not even the signature part");
    }
}
