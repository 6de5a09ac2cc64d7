using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using FelixHub.Core.Delivery;
using FelixHub.Core.Wildberries.Cabinets;
using FelixHub.Core.Wildberries.Notifications;
using FelixHub.Core.Wildberries.Sync;
using FelixHub.Tests.Bookings;
using FelixHub.Tests.Bot;
using FelixHub.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace FelixHub.Tests.Wildberries;

/// <summary>
/// A WB worker whose clock the tests move; the <c>wb-digest</c> cron never fires (the tests build the
/// digests, as a tick would), and no in-call Telegram retries (Polly would wait on the fake clock).
/// </summary>
public sealed class WbDigestFixture : WbFixture
{
    public FakeTimeProvider Clock { get; } = new(StartTime());

    /// <summary>Five minutes past the current hour (UTC): close to the fake WB's real-time dates, and an hour's end 55 minutes away.</summary>
    public static DateTimeOffset StartTime()
    {
        var now = DateTimeOffset.UtcNow;
        return new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 5, 0, TimeSpan.Zero);
    }

    public static void Quiet(Dictionary<string, string?> settings)
    {
        settings["Telegram:MaxRetryAttempts"] = "0";
        settings["Wildberries:DigestCron"] = BookingFixture.NeverCron;
        // Fewer, larger write batches: the big test writes hundreds of orders per sync.
        settings["Wildberries:StatisticsWriteBatchSize"] = "50";
    }

    protected override void Configure(Dictionary<string, string?> settings) => Quiet(settings);

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<TimeProvider>(Clock);
}

/// <summary>
/// Issue 23 §2: per kind of WB event, immediate, hourly or daily digests — one message per period with
/// counts, sums and top products, valid Telegram HTML within 4,096 characters; every event counted in
/// exactly one digest while events keep arriving, across a restart and on several replicas.
/// </summary>
public sealed class WbDigestTests(WbDigestFixture fixture) : IClassFixture<WbDigestFixture>
{
    private const string DigestHead = "📊 <b>Сводка Wildberries</b>";

    private readonly TestWorker worker = fixture.Worker;
    private readonly FakeTelegramServer telegram = fixture.Telegram;
    private readonly FakeWbServer wb = fixture.Wb;

    private static async Task<DigestSettingsResponse> PatchDigestsAsync(TestWorker host, long user, object body)
    {
        var response = await host.Http.PatchAsJsonAsync($"/api/users/{user}/digest-settings", body);
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<DigestSettingsResponse>())!;
    }

    /// <summary>What one tick of the <c>wb-digest</c> job builds on <paramref name="host"/>.</summary>
    private static Task<int> BuildAsync(TestWorker host) =>
        host.InScopeAsync(sp => sp.GetRequiredService<WbDigestJob>().BuildDueAsync(CancellationToken.None));

    private static List<TelegramCall> Digests(FakeTelegramServer telegram, long user) =>
        [.. telegram.MessagesTo(user).Where(m => m.Content().StartsWith(DigestHead, StringComparison.Ordinal))];

    /// <summary>Dispatches on <paramref name="host"/> until <paramref name="user"/> has <paramref name="count"/> digests.</summary>
    private static async Task<List<TelegramCall>> DigestsAsync(TestWorker host, FakeTelegramServer telegram, long user, int count)
    {
        await Eventually.Until(async () =>
        {
            if (Digests(telegram, user).Count >= count) return true;
            await host.DispatchAsync();
            return Digests(telegram, user).Count >= count;
        }, $"{count} digests to {user}", TimeSpan.FromSeconds(30));
        await Task.Delay(300);
        var digests = Digests(telegram, user);
        digests.Should().HaveCount(count);
        foreach (var digest in digests)
        {
            digest.Method.Should().Be("sendMessage");
            digest.Body["parse_mode"]!.ToString().Should().BeEquivalentTo("html");
            TelegramHtmlCheck.Problems(digest.Content()).Should().BeEmpty(digest.Content());
        }
        return digests;
    }

    /// <summary>The user's digest items: how many each digest message counted, and how many still wait.</summary>
    private static async Task<(Dictionary<long, int> PerDigest, int Waiting)> ItemsAsync(string connectionString, long user)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT digest_message_id, count(*)::int FROM wb_digest_items WHERE telegram_id = $1 GROUP BY 1", connection);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = user });
        var perDigest = new Dictionary<long, int>();
        var waiting = 0;
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            if (reader.IsDBNull(0)) waiting = reader.GetInt32(1);
            else perDigest[reader.GetInt64(0)] = reader.GetInt32(1);
        }
        return (perDigest, waiting);
    }

    private static (FakeSeller Seller, long[] Products) SellerWithProducts(FakeWbServer wb, int count)
    {
        var seller = wb.NewSeller();
        var products = Enumerable.Range(0, count).Select(_ => FakeSeller.NewNmId()).ToArray();
        for (var i = 0; i < products.Length; i++)
            seller.AddCard(products[i], $"Товар <{i + 1}> & Co", $"ART-{i + 1}", null);
        return (seller, products);
    }

    [Fact]
    public async Task An_hourly_digest_of_500_orders_built_on_two_replicas_after_a_restart_while_orders_keep_arriving_counts_each_order_exactly_once()
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        var clock = new FakeTimeProvider(WbDigestFixture.StartTime());
        var settings = WbFixture.Settings(wb);
        WbDigestFixture.Quiet(settings);
        var user = WbTestSteps.NewTelegramId();
        var (seller, products) = SellerWithProducts(wb, 7);
        var hourEnd = WbDigestFixture.StartTime().AddMinutes(55);
        long cabinetId;
        var firstOrders = new List<(int Product, decimal Price)>();

        await using (var first = await TestWorker.StartAsync(database, telegram, settings, s => s.AddSingleton<TimeProvider>(clock)))
        {
            cabinetId = await first.RegisterAndWaitAsync(telegram, user, seller);
            (await PatchDigestsAsync(first, user, new { newOrders = "hourly" })).Should().BeEquivalentTo(new { NewOrders = "hourly", OrderBuyouts = "immediate", DailyAt = "09:00" });
            for (var i = 0; i < 500; i++)
            {
                // Seven products, ordered unevenly: the top five are shown, two summarised.
                var product = i % 10 < 3 ? 0 : i % 10 < 5 ? 1 : i % 10 < 6 ? 2 : i % 10 < 7 ? 3 : i % 10 < 8 ? 4 : i % 20 < 10 ? 5 : 6;
                firstOrders.Add((product, 100m + i + 0.5m));
                seller.AddOrder(products[product], price: 100m + i + 0.5m);
            }
            await first.SyncAsync(cabinetId);
            (await BuildAsync(first)).Should().Be(0, "the hour has not ended");
            await first.DispatchAsync();
            telegram.MessagesTo(user).Should().HaveCount(1, "only «sync complete»: the orders wait for the hour's digest");
            (await ItemsAsync(database, user)).Waiting.Should().Be(500);
        }

        // A restart: the waiting orders are rows, not memory. Two replicas now share them.
        clock.SetUtcNow(hourEnd.AddSeconds(1));
        await using var b = await TestWorker.StartAsync(database, telegram, settings, s => s.AddSingleton<TimeProvider>(clock));
        await using var c = await TestWorker.StartAsync(database, telegram, settings, s => s.AddSingleton<TimeProvider>(clock));
        decimal secondSum = 0;
        for (var i = 0; i < 120; i++)
        {
            secondSum += 2000m + i;
            seller.AddOrder(products[i % 3], price: 2000m + i);
        }
        for (var i = 0; i < 3; i++) seller.AddSale('S', products[0]);

        // Orders keep arriving (a sync on one replica) while both replicas build the due digest, twice each.
        var sync = b.SyncAsync(cabinetId, dispatch: false);
        var builds = await Task.WhenAll(BuildAsync(b), BuildAsync(c), BuildAsync(c), BuildAsync(b));
        (await sync).Should().BeEquivalentTo(new { Status = WbSyncStatus.Succeeded, Events = 123 }, "120 orders recorded for the next digest and 3 buyouts queued");
        // (A replica's start-up run of the job may have built it first.)
        builds.Sum().Should().BeLessThanOrEqualTo(1, "one digest for the hour, whichever replica built it");
        (await BuildAsync(c)).Should().Be(0, "the orders that arrived meanwhile belong to the next hour");

        var firstDigest = (await DigestsAsync(b, telegram, user, 1))[0].Content();
        var top = firstOrders.GroupBy(o => o.Product).OrderByDescending(g => g.Count()).ThenByDescending(g => g.Sum(o => o.Price)).First();
        firstDigest.Should().StartWith(DigestHead + "\n🕒 ")
            .And.Contain($"\n\n🛒 <b>Новые заказы: 500</b> на {WbMessages.Rub(firstOrders.Sum(o => o.Price))}\n" +
                $"• Товар &lt;{top.Key + 1}&gt; &amp; Co (ART-1) — {top.Count()} шт., {WbMessages.Rub(top.Sum(o => o.Price))}\n")
            .And.Contain("… и ещё 2 товара")
            .And.NotContain("Выкуп", "buyouts stay immediate");
        await Eventually.Until(async () =>
        {
            // One message per chat and pass; the chat's next turn is on the database's clock.
            await b.DispatchAsync();
            clock.Advance(TimeSpan.FromSeconds(1));
            return telegram.MessagesTo(user).Count(m => m.Content().StartsWith("✅ <b>Выкуп</b>", StringComparison.Ordinal)) == 3;
        }, "the three buyouts, one by one");

        clock.SetUtcNow(hourEnd.AddHours(1).AddSeconds(1));
        (await Task.WhenAll(BuildAsync(b), BuildAsync(c))).Sum().Should().Be(1, "one digest for the next hour");
        var secondDigest = (await DigestsAsync(c, telegram, user, 2))[1].Content();
        secondDigest.Should().Contain($"🛒 <b>Новые заказы: 120</b> на {WbMessages.Rub(secondSum)}\n");

        var (perDigest, waiting) = await ItemsAsync(database, user);
        waiting.Should().Be(0);
        perDigest.Values.Order().Should().Equal(120, 500);
        var ledger = await b.DbAsync(db => db.Set<DeliveryMessage>().AsNoTracking()
            .Where(m => m.ChatId == user.ToString(CultureInfo.InvariantCulture) && m.Kind == WbEventType.Digest).ToListAsync());
        ledger.Select(m => m.Id).Should().BeEquivalentTo(perDigest.Keys);
        ledger.Should().AllSatisfy(m => m.State.Should().Be(DeliveryStates.Sent));
    }

    [Fact]
    public async Task A_daily_digest_comes_at_09_00_Moscow_time_with_the_days_orders_reviews_and_stocks()
    {
        var user = WbTestSteps.NewTelegramId();
        var (seller, products) = SellerWithProducts(wb, 2);
        seller.SetStock(products[1], 1, "Коледино", 5);
        var cabinetId = await worker.RegisterAndWaitAsync(telegram, user, seller);
        (await PatchDigestsAsync(worker, user, new { newOrders = "daily", negativeReviews = "daily", criticalStocks = "daily", orderBuyouts = "hourly" }))
            .Should().BeEquivalentTo(new { NewOrders = "daily", NegativeReviews = "daily", CriticalStocks = "daily", OrderBuyouts = "hourly", OrderReturns = "immediate", DailyAt = "09:00", TimeZone = "Europe/Moscow" });

        var evening = QuietHoursFixture.MoveToMsk(fixture.Clock, 20, 0);
        seller.AddOrder(products[0], price: 1000m);
        seller.AddOrder(products[0], price: 1500.5m);
        seller.AddOrder(products[1], price: 700m);
        seller.AddFeedback(products[0], 2, "Села после стирки");
        seller.AddFeedback(products[1], 1, "Брак");
        seller.SetStock(products[1], 1, "Коледино", 1);
        await worker.SyncAsync(cabinetId);
        telegram.MessagesTo(user).Should().HaveCount(1, "everything waits for 09:00");

        (await ItemsAsync(worker.ConnectionString, user)).Waiting.Should().Be(6);

        // An hourly buyout in the last hour goes into the same 09:00 digest, saying since when.
        QuietHoursFixture.MoveToMsk(fixture.Clock, 8, 30);
        seller.AddSale('S', products[0]);
        await worker.SyncAsync(cabinetId);

        // (Other tests' users share this worker: count this user's items, not the digests built.)
        QuietHoursFixture.MoveToMsk(fixture.Clock, 8, 59);
        await BuildAsync(worker);
        (await ItemsAsync(worker.ConnectionString, user)).Waiting.Should().Be(7, "08:59 is not yet 09:00");
        var nine = QuietHoursFixture.MoveToMsk(fixture.Clock, 9, 0);
        (await BuildAsync(worker)).Should().BeGreaterThanOrEqualTo(1);

        var digest = (await DigestsAsync(worker, telegram, user, 1))[0].Content();
        var day = nine.ToOffset(QuietHoursFixture.Msk);
        var dayBefore = day.AddDays(-1);
        evening.Should().BeAfter(dayBefore.UtcDateTime);
        digest.Should().Be(
            DigestHead + "\n" +
            $"🕒 {dayBefore:dd.MM.yyyy} 09:00 – {day:dd.MM.yyyy} 09:00 МСК\n" +
            "\n🛒 <b>Новые заказы: 3</b> на 3 200,50 ₽\n" +
            "• Товар &lt;1&gt; &amp; Co (ART-1) — 2 шт., 2 500,50 ₽\n" +
            "• Товар &lt;2&gt; &amp; Co (ART-1) — 1 шт., 700 ₽\n" +
            "\n✅ <b>Выкупы: 1</b> на 999,50 ₽ · с 08:00\n" +
            "• Товар &lt;1&gt; &amp; Co (ART-1) — 1 шт., 999,50 ₽\n" +
            "\n⚠️ <b>Негативные отзывы: 2</b> (средняя оценка 1,5)\n" +
            "• Товар &lt;1&gt; &amp; Co (ART-1) — 1 шт., от 2★\n" +
            "• Товар &lt;2&gt; &amp; Co (ART-1) — 1 шт., от 1★\n" +
            "\n📉 <b>Критические остатки: 1</b>\n" +
            "• Товар &lt;2&gt; &amp; Co (ART-2) — осталось 1 шт.\n");
        (await ItemsAsync(worker.ConnectionString, user)).Waiting.Should().Be(0);
    }

    [Fact]
    public async Task Switching_a_kind_back_to_immediate_sends_the_waiting_events_at_once_in_one_digest_and_later_ones_alone()
    {
        var user = WbTestSteps.NewTelegramId();
        var (seller, products) = SellerWithProducts(wb, 1);
        var cabinetId = await worker.RegisterAndWaitAsync(telegram, user, seller);
        await PatchDigestsAsync(worker, user, new { newOrders = "hourly", orderCancellations = "daily" });
        var cancelled = seller.AddOrder(products[0], price: 500m);
        seller.AddOrder(products[0], price: 600m);
        await worker.SyncAsync(cabinetId);
        seller.CancelOrder(cancelled);
        await worker.SyncAsync(cabinetId);
        telegram.MessagesTo(user).Should().HaveCount(1);
        (await ItemsAsync(worker.ConnectionString, user)).Waiting.Should().Be(3);

        (await PatchDigestsAsync(worker, user, new { newOrders = "immediate" })).Should().BeEquivalentTo(new { NewOrders = "immediate", OrderCancellations = "daily" });

        // The PATCH starts a digest run: the two waiting orders leave now, the cancellation keeps its day.
        var digest = (await DigestsAsync(worker, telegram, user, 1))[0].Content();
        digest.Should().Contain("🛒 <b>Новые заказы: 2</b> на 1 100 ₽").And.NotContain("Отмен");
        (await ItemsAsync(worker.ConnectionString, user)).Waiting.Should().Be(1, "the cancellation waits for its daily digest");

        seller.AddOrder(products[0], price: 700m);
        await worker.SyncAsync(cabinetId);
        await Eventually.Until(() => telegram.MessagesTo(user).Any(m => m.Content().StartsWith("🛒 <b>Новый заказ</b>", StringComparison.Ordinal)), "the next order alone");
        telegram.MessagesTo(user).Should().HaveCount(3, "«sync complete», the digest and the new order");
        Digests(telegram, user).Should().HaveCount(1);
        (await ItemsAsync(worker.ConnectionString, user)).Waiting.Should().Be(1);
    }

    [Fact]
    public async Task A_digest_follows_the_users_time_zone_and_is_held_by_their_quiet_hours_like_any_message()
    {
        var user = WbTestSteps.NewTelegramId();
        var (seller, products) = SellerWithProducts(wb, 1);
        var cabinetId = await worker.RegisterAndWaitAsync(telegram, user, seller);
        (await worker.Http.PatchAsJsonAsync($"/api/recipients/{user}/preferences",
            new { quietFrom = "00:00", quietTo = "06:00", quietMode = "hold", timeZone = "Asia/Yekaterinburg" })).EnsureSuccessStatusCode();
        (await PatchDigestsAsync(worker, user, new { orderBuyouts = "hourly" })).TimeZone.Should().Be("Asia/Yekaterinburg");

        var yekaterinburg = TimeSpan.FromHours(5);
        QuietHoursFixture.MoveToMsk(fixture.Clock, 23, 30); // 01:30 in Yekaterinburg
        seller.AddSale('S', products[0]);
        await worker.SyncAsync(cabinetId);
        fixture.Clock.Advance(TimeSpan.FromMinutes(30));
        var two = fixture.Clock.GetUtcNow().ToOffset(yekaterinburg);
        two.Hour.Should().Be(2);
        await BuildAsync(worker);
        for (var i = 0; i < 3; i++) await worker.DispatchAsync();
        Digests(telegram, user).Should().BeEmpty("02:00 in Yekaterinburg is inside the user's quiet hours: the digest is held");
        var held = await worker.DbAsync(db => db.Set<DeliveryMessage>().AsNoTracking()
            .SingleAsync(m => m.ChatId == user.ToString(CultureInfo.InvariantCulture) && m.Kind == WbEventType.Digest));
        held.State.Should().Be(DeliveryStates.Pending);
        held.NextAttemptAt.Should().Be(new DateTimeOffset(two.Date.AddHours(6), yekaterinburg));

        fixture.Clock.SetUtcNow(held.NextAttemptAt!.Value);
        var digest = (await DigestsAsync(worker, telegram, user, 1))[0].Content();
        digest.Should().Contain($"🕒 {two:dd.MM.yyyy}, 01:00–02:00 Asia/Yekaterinburg\n").And.Contain("✅ <b>Выкупы: 1</b> на 999,50 ₽");
    }

    [Fact]
    public async Task A_user_who_leaves_the_cabinet_gets_no_digest_of_it_and_the_others_get_theirs()
    {
        var (leaving, staying) = (WbTestSteps.NewTelegramId(), WbTestSteps.NewTelegramId());
        var (seller, products) = SellerWithProducts(wb, 1);
        var cabinetId = await worker.RegisterAndWaitAsync(telegram, leaving, seller);
        (await worker.RegisterAsync(staying, seller)).CabinetId.Should().Be(cabinetId);
        foreach (var user in new[] { leaving, staying }) await PatchDigestsAsync(worker, user, new { newOrders = "hourly" });
        seller.AddOrder(products[0], price: 300m);
        await worker.SyncAsync(cabinetId);
        (await ItemsAsync(worker.ConnectionString, leaving)).Waiting.Should().Be(1);

        (await worker.Http.DeleteAsync($"/api/cabinets/{cabinetId}/users/{leaving}")).StatusCode.Should().Be(HttpStatusCode.NoContent);
        (await ItemsAsync(worker.ConnectionString, leaving)).Waiting.Should().Be(0, "their waiting events left with them");

        fixture.Clock.Advance(TimeSpan.FromHours(1));
        await BuildAsync(worker);
        (await DigestsAsync(worker, telegram, staying, 1))[0].Content().Should().Contain("🛒 <b>Новые заказы: 1</b> на 300 ₽");
        Digests(telegram, leaving).Should().BeEmpty();
    }

    [Fact]
    public async Task Bad_digest_settings_are_a_400_naming_the_field_and_change_nothing()
    {
        var user = WbTestSteps.NewTelegramId();
        (await worker.Http.GetAsync($"/api/users/{user}/digest-settings")).StatusCode.Should().Be(HttpStatusCode.NotFound, "no cabinet and no settings");
        await PatchDigestsAsync(worker, user, new { newOrders = "daily", dailyAt = "08:30" });
        foreach (var (body, field) in new[]
        {
            ("""{"newOrders":"weekly"}""", "newOrders"),
            ("""{"criticalStocks":"Hourly"}""", "criticalStocks"),
            ("""{"orderReturns":1}""", "orderReturns"),
            ("""{"dailyAt":"9:00"}""", "dailyAt"),
            ("""{"dailyAt":"24:00"}""", "dailyAt"),
            ("""{"newOrders":"hourly","dailyAt":"x"}""", "dailyAt"),
        })
        {
            var response = await worker.Http.PatchAsync($"/api/users/{user}/digest-settings", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
            response.StatusCode.Should().Be(HttpStatusCode.BadRequest, body);
            (await response.Content.ReadAsStringAsync()).Should().Contain(field, body);
        }
        (await worker.Http.GetFromJsonAsync<DigestSettingsResponse>($"/api/users/{user}/digest-settings"))
            .Should().BeEquivalentTo(new { NewOrders = "daily", OrderBuyouts = "immediate", DailyAt = "08:30", TimeZone = "Europe/Moscow" });
    }

    [Fact]
    public void A_digest_of_thousands_of_events_with_hostile_names_fits_one_Telegram_message_as_valid_HTML_and_summarises_the_rest()
    {
        var kinds = WbEventType.Switchable;
        var random = new Random(23);
        var items = new List<WbDigestMessages.Item>();
        for (var i = 0; i < 6000; i++)
        {
            var nm = 1000 + random.Next(2500);
            var name = nm % 3 == 0 ? new string('Ж', 200) + " <b>&amp;" : nm % 3 == 1 ? string.Concat(Enumerable.Repeat("😀", 41)) + "</i>&" : $"Товар \"{nm}\" <script>";
            var kind = kinds[i % kinds.Count];
            items.Add(new WbDigestMessages.Item(kind, nm, name, "ART<" + nm + ">&", kind is WbEventType.NegativeReview or WbEventType.CriticalStock ? null : 999_999.99m,
                kind == WbEventType.NegativeReview ? 1 + nm % 3 : kind == WbEventType.CriticalStock ? nm % 3 : null));
        }
        var zone = WbDigestModes.Zone("Europe/Moscow");
        var text = WbDigestMessages.Build(items, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow, zone);

        TelegramHtmlCheck.Problems(text).Should().BeEmpty(text);
        text.Length.Should().BeLessThanOrEqualTo(WbDigestMessages.MaxLength);
        foreach (var title in new[] { "Новые заказы: 1000", "Выкупы: 1000", "Отмены заказов: 1000", "Возвраты: 1000", "Негативные отзывы: 1000", "Критические остатки: 1000" })
            text.Should().Contain("<b>" + title + "</b>");
        text.Should().Contain("на 999 999 990 ₽").And.Contain("… и ещё ").And.Contain("• ", "some top products are still shown");

        // Few events: every product shown, nothing summarised.
        var few = WbDigestMessages.Build(items.Take(12).ToList(), DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow, zone);
        TelegramHtmlCheck.Problems(few).Should().BeEmpty();
        few.Should().NotContain("и ещё");
    }
}
