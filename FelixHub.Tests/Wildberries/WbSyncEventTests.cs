using FelixHub.Core.Delivery;
using System.Globalization;
using System.Net.Http.Json;
using FelixHub.Core.Wildberries.Cabinets;
using FelixHub.Core.Wildberries.Data;
using FelixHub.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace FelixHub.Tests.Wildberries;

/// <summary>Seed 003 end to end: registration → silent initial sync → regular syncs notify each event once.</summary>
public sealed class WbSyncEventTests(WbFixture fixture) : IClassFixture<WbFixture>
{
    private readonly TestWorker worker = fixture.Worker;
    private readonly FakeTelegramServer telegram = fixture.Telegram;
    private readonly FakeWbServer wb = fixture.Wb;

    public static readonly string[] Headers =
    [
        "🛒 <b>Новый заказ</b>", "✅ <b>Выкуп</b>", "❌ <b>Отмена заказа</b>", "↩️ <b>Возврат</b>", "⚠️ <b>Негативный отзыв</b>", "📉 <b>Критический остаток</b>",
    ];

    /// <summary>A seller with history (one open order, stock 3 + 2 on shelves and 10 travelling) and a registered cabinet.</summary>
    private async Task<(FakeSeller Seller, long Nm, FakeOrder Existing, long CabinetId)> SellerWithHistoryAsync(params long[] users)
    {
        var seller = wb.NewSeller();
        var nm = FakeSeller.NewNmId();
        seller.AddCard(nm, "Футболка хлопковая", "FT-01", "https://img.example/" + nm + ".jpg");
        var existing = seller.AddOrder(nm);
        seller.AddOrder(nm);
        seller.SetStock(nm, 1, "Коледино", 3, inWayToClient: 10);
        seller.SetStock(nm, 2, "Казань", 2, inWayFromClient: 4);
        var cabinetId = await worker.RegisterAndWaitAsync(telegram, users[0], seller);
        foreach (var other in users.Skip(1))
        {
            (await worker.RegisterAsync(other, seller)).CabinetId.Should().Be(cabinetId);
            await telegram.SettledMessagesAsync(other, 1);
        }
        return (seller, nm, existing, cabinetId);
    }

    /// <summary>One of each of the six events, as WB would report them on the next sync.</summary>
    private static void MakeSixEvents(FakeSeller seller, long nm, FakeOrder existing)
    {
        seller.AddOrder(nm, price: 1500m);
        seller.CancelOrder(existing);
        seller.AddSale('S', nm);
        seller.AddSale('R', nm);
        seller.AddFeedback(nm, 2, "Села после стирки");
        seller.AddFeedback(nm, 5, "Отлично");
        seller.SetStock(nm, 1, "Коледино", 1, inWayToClient: 30);
        seller.SetStock(nm, 2, "Казань", 1, inWayFromClient: 30);
    }

    private static string TypeOf(TelegramCall call) => Headers.FirstOrDefault(h => call.Content().StartsWith(h, StringComparison.Ordinal)) ?? call.Content().Split('\n')[0];

    [Fact]
    public async Task The_initial_sync_loads_history_silently_and_sends_only_the_sync_complete_message()
    {
        var seller = wb.NewSeller();
        var nm = FakeSeller.NewNmId();
        seller.AddCard(nm, "Футболка хлопковая", "FT-01", "https://img.example/ft01.jpg");
        var cancelled = seller.AddOrder(nm);
        for (var i = 0; i < 6; i++) seller.AddOrder(nm);
        seller.CancelOrder(cancelled);
        seller.AddSale('S', nm);
        seller.AddSale('R', nm);
        seller.AddFeedback(nm, 1);
        seller.AddFeedback(nm, 5, answered: true);
        seller.SetStock(nm, 1, "Коледино", 1);
        var user = WbTestSteps.NewTelegramId();

        var cabinetId = await worker.RegisterAndWaitAsync(telegram, user, seller);

        var messages = await telegram.SettledMessagesAsync(user, 1);
        messages.Should().ContainSingle();
        messages[0].Content().Should().Contain("Первичная синхронизация завершена").And.Contain("Главное меню доступно")
            .And.Contain("заказов — 7").And.Contain("продаж и возвратов — 2").And.Contain("отзывов — 2");
        (await worker.DbAsync(db => db.Set<WbOrder>().CountAsync(o => o.CabinetId == cabinetId))).Should().Be(7);
        (await worker.DbAsync(db => db.Set<DeliveryMessage>().CountAsync(n => n.CabinetId == cabinetId))).Should().Be(1);
        var log = await worker.DbAsync(db => db.Set<WbSyncLog>().SingleAsync(l => l.CabinetId == cabinetId));
        log.Should().BeEquivalentTo(new { Kind = "initial", Status = "succeeded", Orders = 7, Sales = 2, Reviews = 2, Stocks = 1, Events = 0 }, o => o.ExcludingMissingMembers());
        seller.RequestsTo("/api/v1/supplier/orders").Should().OnlyContain(r => r.Query["flag"] == "0" && r.Authorization == seller.Token);
        var cabinet = await worker.Http.GetFromJsonAsync<CabinetResponse>($"/api/cabinets/{cabinetId}");
        cabinet!.State.Should().Be("active");
        cabinet.LastSyncAt.Should().NotBeNull();
    }

    [Fact]
    public async Task A_new_order_is_notified_once_with_photo_product_price_warehouse_region_and_Moscow_time()
    {
        var seller = wb.NewSeller();
        var nm = FakeSeller.NewNmId();
        seller.AddCard(nm, "Футболка <оверсайз> & Co", "FT-02", "https://img.example/ft02.jpg");
        seller.AddOrder(nm);
        var user = WbTestSteps.NewTelegramId();
        var cabinetId = await worker.RegisterAndWaitAsync(telegram, user, seller);

        var orderedAtMoscow = FakeSeller.MoscowNow().AddMinutes(-3);
        orderedAtMoscow = orderedAtMoscow.AddTicks(-(orderedAtMoscow.Ticks % TimeSpan.TicksPerSecond)).AddMilliseconds(123.4);
        var order = seller.AddOrder(nm, dateMoscow: orderedAtMoscow, price: 1284.01m, warehouse: "Казань", region: "Республика Татарстан");
        await worker.SyncAsync(cabinetId);

        var messages = await telegram.SettledMessagesAsync(user, 2);
        messages.Should().HaveCount(2);
        var message = messages[1];
        message.Method.Should().Be("sendPhoto");
        message.Body["photo"]!.ToString().Should().Be("https://img.example/ft02.jpg");
        message.Body["parse_mode"]!.ToString().Should().BeEquivalentTo("html");
        message.Content().Should().Be(
            "🛒 <b>Новый заказ</b>\n\n" +
            "📦 Футболка &lt;оверсайз&gt; &amp; Co\n" +
            "🔖 Артикул: ART-1\n" +
            $"🆔 nmID: {nm}\n" +
            "💰 Цена: 1 284,01 ₽\n" +
            "🏬 Склад: Казань\n" +
            "📍 Регион: Республика Татарстан\n" +
            $"🕒 {orderedAtMoscow.ToString("dd.MM.yyyy HH:mm", CultureInfo.InvariantCulture)} МСК\n");

        var stored = await worker.DbAsync(db => db.Set<WbOrder>().SingleAsync(o => o.CabinetId == cabinetId && o.Srid == order.Srid));
        stored.Date.Offset.Should().Be(TimeSpan.Zero);
        stored.Date.UtcDateTime.Should().BeCloseTo(DateTime.SpecifyKind(orderedAtMoscow.AddHours(-3), DateTimeKind.Utc), TimeSpan.FromMilliseconds(1),
            "WB's offset-less times are Moscow time (UTC+3), stored as UTC");
        stored.PriceWithDisc.Should().Be(1284.01m);
        stored.CancelDate.Should().BeNull("0001-01-01T00:00:00 means no cancellation");

        await worker.SyncAsync(cabinetId);
        await Task.Delay(300);
        telegram.MessagesTo(user).Should().HaveCount(2, "re-reading the same rows notifies nothing");
    }

    [Fact]
    public async Task Each_of_the_six_event_types_is_notified_exactly_once()
    {
        var user = WbTestSteps.NewTelegramId();
        var (seller, nm, existing, cabinetId) = await SellerWithHistoryAsync(user);
        await worker.SyncAsync(cabinetId);
        telegram.MessagesTo(user).Should().HaveCount(1, "a sync without changes notifies nothing");

        MakeSixEvents(seller, nm, existing);
        await worker.SyncAsync(cabinetId);
        await worker.SyncAsync(cabinetId);
        await worker.SyncAsync(cabinetId);

        var messages = (await telegram.SettledMessagesAsync(user, 7)).Skip(1).ToList();
        messages.Select(TypeOf).Should().BeEquivalentTo(Headers, "one message per event, whatever the number of syncs");
        messages.Single(m => TypeOf(m) == Headers[2]).Content().Should().Contain("🚫 Отменён:");
        messages.Single(m => TypeOf(m) == Headers[3]).Content().Should().Contain("💵 К перечислению: 850,25 ₽");
        messages.Single(m => TypeOf(m) == Headers[4]).Content().Should().Contain("★★☆☆☆ (2/5)").And.Contain("«Села после стирки»");
        messages.Single(m => TypeOf(m) == Headers[5]).Content().Should().Contain("Осталось на складах: 2 шт.").And.Contain("Казань: 1").And.Contain("Коледино: 1");
        (await worker.DbAsync(db => db.Set<NotificationHistory>().CountAsync(h => h.TelegramId == user))).Should().Be(7);
        (await worker.DbAsync(db => db.Set<DeliveryMessage>().CountAsync(n => n.ChatId == user.ToString() && n.State != DeliveryStates.Sent))).Should().Be(0);
    }

    [Fact]
    public async Task Users_are_served_in_parallel_and_each_users_notifications_arrive_in_the_order_they_happened()
    {
        var (first, second) = (WbTestSteps.NewTelegramId(), WbTestSteps.NewTelegramId());
        var (_, _, _, cabinetId) = await SellerWithHistoryAsync(first, second);
        // Eight events each, queued in order (an order, then its buyout…): the dispatcher sends the two
        // users' rows side by side, one user's rows one after another.
        await using (var connection = new NpgsqlConnection(worker.ConnectionString))
        {
            await connection.OpenAsync();
            await using var insert = new NpgsqlCommand("""
                INSERT INTO delivery_messages (cabinet_id, chat_id, kind, event_key, dedup_key, text, state, due_at, next_attempt_at, created_at)
                SELECT @cabinet, u::text, 'new_order', 'order-seq:' || u || ':' || i, md5('order-seq:' || u || ':' || i), 'Событие ' || i, 'pending', now(), now(), now()
                FROM generate_series(1, 8) AS i, unnest(@users) AS u
                ORDER BY i, u
                """, connection);
            insert.Parameters.AddWithValue("cabinet", cabinetId);
            insert.Parameters.AddWithValue("users", new[] { first, second });
            await insert.ExecuteNonQueryAsync();
        }

        (await worker.DispatchAsync()).Should().Be(16);

        foreach (var user in new[] { first, second })
            telegram.MessagesTo(user).Skip(1).Select(m => m.Content()).Should().Equal(Enumerable.Range(1, 8).Select(i => "Событие " + i));
    }

    [Fact]
    public async Task Stock_that_recovers_and_falls_again_is_notified_again_and_missing_rows_count_as_zero()
    {
        var user = WbTestSteps.NewTelegramId();
        var (seller, nm, _, cabinetId) = await SellerWithHistoryAsync(user);

        seller.RemoveStocks(nm);
        await worker.SyncAsync(cabinetId);
        seller.SetStock(nm, 1, "Коледино", 40);
        await worker.SyncAsync(cabinetId);
        seller.SetStock(nm, 1, "Коледино", 2, inWayToClient: 100);
        await worker.SyncAsync(cabinetId);
        await worker.SyncAsync(cabinetId);

        var messages = (await telegram.SettledMessagesAsync(user, 3)).Skip(1).ToList();
        messages.Select(TypeOf).Should().Equal(Headers[5], Headers[5]);
        messages[0].Content().Should().Contain("Осталось на складах: 0 шт.");
        messages[1].Content().Should().Contain("Осталось на складах: 2 шт.");
    }

    [Fact]
    public async Task Boundary_rows_repeated_across_pages_and_syncs_are_notified_once()
    {
        var user = WbTestSteps.NewTelegramId();
        var (seller, nm, _, cabinetId) = await SellerWithHistoryAsync(user);
        var before = seller.RequestsTo("/api/v1/supplier/orders").Count;

        var added = Enumerable.Range(0, 8).Select(_ => seller.AddOrder(nm)).ToList();
        await worker.SyncAsync(cabinetId);
        await worker.SyncAsync(cabinetId);

        // Eight messages to one chat go out one per dispatch turn; under the full suite's load this has
        // once taken longer than 20 s (in isolation about 1 s), so it gets a minute: loss still fails it.
        var messages = (await telegram.SettledMessagesAsync(user, 9, TimeSpan.FromSeconds(60))).Skip(1).ToList();
        messages.Should().HaveCount(8);
        messages.Should().OnlyContain(m => TypeOf(m) == Headers[0]);
        var requests = seller.RequestsTo("/api/v1/supplier/orders").Skip(before).ToList();
        requests.Count.Should().BeGreaterThan(2, "eight new rows at three per page need several pages");
        var rowTimes = added.Select(o => o.LastChangeDate).ToHashSet();
        requests.Skip(1).Should().OnlyContain(r => rowTimes.Contains(r.Query["dateFrom"]),
            "each next page starts at the previous page's last lastChangeDate, exactly as WB sent it");
        (await worker.DbAsync(db => db.Set<WbOrder>().CountAsync(o => o.CabinetId == cabinetId))).Should().Be(10);
    }

    [Fact]
    public async Task A_cancellation_of_an_order_seen_in_an_earlier_sync_is_notified_once()
    {
        var user = WbTestSteps.NewTelegramId();
        var (seller, nm, _, cabinetId) = await SellerWithHistoryAsync(user);
        var order = seller.AddOrder(nm);
        await worker.SyncAsync(cabinetId);
        await telegram.SettledMessagesAsync(user, 2);

        seller.CancelOrder(order);
        await worker.SyncAsync(cabinetId);
        seller.Touch(order);
        await worker.SyncAsync(cabinetId);

        var messages = (await telegram.SettledMessagesAsync(user, 3)).Skip(1).ToList();
        messages.Select(TypeOf).Should().Equal(Headers[0], Headers[2]);
        (await worker.DbAsync(db => db.Set<WbOrder>().SingleAsync(o => o.CabinetId == cabinetId && o.Srid == order.Srid))).IsCancel.Should().BeTrue();
    }

    [Fact]
    public async Task An_old_order_first_seen_now_is_stored_but_not_announced_as_new()
    {
        var user = WbTestSteps.NewTelegramId();
        var (seller, nm, _, cabinetId) = await SellerWithHistoryAsync(user);

        var old = seller.AddOrder(nm, dateMoscow: FakeSeller.MoscowNow().AddDays(-30));
        await worker.SyncAsync(cabinetId);

        await Task.Delay(300);
        telegram.MessagesTo(user).Should().HaveCount(1);
        (await worker.DbAsync(db => db.Set<WbOrder>().AnyAsync(o => o.CabinetId == cabinetId && o.Srid == old.Srid))).Should().BeTrue();
    }

    [Fact]
    public async Task An_order_older_than_the_kept_WB_data_is_never_announced_and_the_retention_job_removes_it()
    {
        var user = WbTestSteps.NewTelegramId();
        var (seller, nm, _, cabinetId) = await SellerWithHistoryAsync(user);
        // A cabinet whose history reaches far back: what makes an old row "news" is then only the retention horizon.
        await worker.DbAsync(db => db.Database.ExecuteSqlRawAsync(
            "UPDATE wb_cabinets SET history_from = now() - interval '400 days' WHERE id = {0}", cabinetId));

        var ancient = seller.AddOrder(nm, dateMoscow: FakeSeller.MoscowNow().AddDays(-150));
        seller.CancelOrder(ancient);
        var recent = seller.AddOrder(nm, dateMoscow: FakeSeller.MoscowNow().AddDays(-100), warehouse: "Электросталь");
        await worker.SyncAsync(cabinetId);

        var messages = (await telegram.SettledMessagesAsync(user, 2)).Skip(1).ToList();
        messages.Select(TypeOf).Should().Equal([Headers[0]], "only the order inside the kept 120 days is news");
        messages[0].Content().Should().Contain("Электросталь");

        await worker.InScopeAsync(sp => sp.GetRequiredService<FelixHub.Core.Retention.RetentionJob>().ExecuteAsync(CancellationToken.None));
        var kept = await worker.DbAsync(db => db.Set<WbOrder>().Where(o => o.CabinetId == cabinetId).Select(o => o.Srid).ToListAsync());
        kept.Should().Contain(recent.Srid).And.NotContain(ancient.Srid);

        // WB returns the ancient row again after its key was deleted: stored again, still not news.
        seller.Touch(ancient);
        await worker.SyncAsync(cabinetId);
        await Task.Delay(300);
        telegram.MessagesTo(user).Should().HaveCount(2);
    }

    [Fact]
    public async Task Two_users_of_one_key_share_a_cabinet_and_each_get_every_event_once()
    {
        var first = WbTestSteps.NewTelegramId();
        var second = WbTestSteps.NewTelegramId();
        var (seller, nm, existing, cabinetId) = await SellerWithHistoryAsync(first, second);
        telegram.MessagesTo(second).Single().Content().Should().Contain("Главное меню доступно", "the second user joins a synced cabinet and is told at once");
        (await worker.DbAsync(db => db.Set<WbCabinet>().CountAsync(c => c.Id == cabinetId))).Should().Be(1);
        (await worker.DbAsync(db => db.Set<WbSyncLog>().CountAsync(l => l.CabinetId == cabinetId && l.Kind == "initial"))).Should().Be(1, "joining does not sync again");

        MakeSixEvents(seller, nm, existing);
        await worker.SyncAsync(cabinetId);

        foreach (var user in new[] { first, second })
            (await telegram.SettledMessagesAsync(user, 7)).Skip(1).Select(TypeOf).Should().BeEquivalentTo(Headers);
        var cabinet = await worker.Http.GetFromJsonAsync<CabinetResponse>($"/api/cabinets/{cabinetId}");
        cabinet!.Users.Select(u => u.TelegramId).Should().Equal(first.ToString(CultureInfo.InvariantCulture), second.ToString(CultureInfo.InvariantCulture));
    }

    public static TheoryData<string, int> Switches => new()
    {
        { "newOrdersEnabled", 0 },
        { "orderBuyoutsEnabled", 1 },
        { "orderCancellationsEnabled", 2 },
        { "orderReturnsEnabled", 3 },
        { "negativeReviewsEnabled", 4 },
        { "criticalStocksEnabled", 5 },
    };

    [Theory]
    [MemberData(nameof(Switches))]
    public async Task A_switched_off_type_is_not_sent_to_that_user_only(string setting, int header)
    {
        var off = WbTestSteps.NewTelegramId();
        var on = WbTestSteps.NewTelegramId();
        var (seller, nm, existing, cabinetId) = await SellerWithHistoryAsync(off, on);
        var settings = new Dictionary<string, bool>
        {
            ["notificationsEnabled"] = true, ["newOrdersEnabled"] = true, ["orderBuyoutsEnabled"] = true, ["orderCancellationsEnabled"] = true,
            ["orderReturnsEnabled"] = true, ["negativeReviewsEnabled"] = true, ["criticalStocksEnabled"] = true,
        };
        settings[setting] = false;
        await worker.PutSettingsAsync(off, settings);

        MakeSixEvents(seller, nm, existing);
        await worker.SyncAsync(cabinetId);

        (await telegram.SettledMessagesAsync(on, 7)).Skip(1).Select(TypeOf).Should().BeEquivalentTo(Headers);
        (await telegram.SettledMessagesAsync(off, 6)).Skip(1).Select(TypeOf).Should().BeEquivalentTo(Headers.Where((_, i) => i != header));
    }

    [Fact]
    public async Task The_global_switch_off_silences_every_type()
    {
        var user = WbTestSteps.NewTelegramId();
        var (seller, nm, existing, cabinetId) = await SellerWithHistoryAsync(user);
        await worker.PutSettingsAsync(user, new
        {
            notificationsEnabled = false, newOrdersEnabled = true, orderBuyoutsEnabled = true, orderCancellationsEnabled = true,
            orderReturnsEnabled = true, negativeReviewsEnabled = true, criticalStocksEnabled = true,
        });

        MakeSixEvents(seller, nm, existing);
        var result = await worker.SyncAsync(cabinetId);

        result.Events.Should().Be(0);
        await Task.Delay(300);
        telegram.MessagesTo(user).Should().HaveCount(1);
    }

    [Fact]
    public async Task A_photo_Telegram_refuses_falls_back_to_the_text()
    {
        var user = WbTestSteps.NewTelegramId();
        var (seller, nm, _, cabinetId) = await SellerWithHistoryAsync(user);
        var chat = user.ToString(CultureInfo.InvariantCulture);
        telegram.Respond(call => call.Method == "sendPhoto" && call.ChatId == chat ? new FakeReply(400, "Bad Request: wrong file identifier/HTTP URL specified") : null);
        try
        {
            seller.AddOrder(nm);
            await worker.SyncAsync(cabinetId);

            var messages = await telegram.SettledMessagesAsync(user, 2);
            messages.Should().HaveCount(2);
            messages[1].Method.Should().Be("sendMessage");
            messages[1].Text.Should().StartWith(Headers[0]);
            telegram.Calls.Count(c => c.ChatId == chat && c.Method == "sendPhoto").Should().Be(1);
        }
        finally
        {
            telegram.Reset();
        }
    }
}
