using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using FelixHub.Core.Wildberries;
using FelixHub.Core.Wildberries.Cabinets;
using FelixHub.Core.Wildberries.Data;
using FelixHub.Core.Wildberries.Notifications;
using FelixHub.Core.Wildberries.Sync;
using FelixHub.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace FelixHub.Tests.Wildberries;

/// <summary>
/// Issue 21 §1: the key's API categories (the token's <c>s</c>) at registration and during syncs — what a
/// missing or refused category costs, told to the seller; only Statistics is required.
/// </summary>
public sealed class WbKeyCategoryTests(WbFixture fixture) : IClassFixture<WbFixture>
{
    private const string CardsPath = "/content/v2/get/cards/list";
    private const string StocksPath = "/api/analytics/v1/stocks-report/wb-warehouses";
    private const string FeedbacksPath = "/api/v1/feedbacks";

    private readonly TestWorker worker = fixture.Worker;
    private readonly FakeTelegramServer telegram = fixture.Telegram;
    private readonly FakeWbServer wb = fixture.Wb;

    private static async Task<JsonObject> JsonAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        response.StatusCode.Should().Be(status, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    private static string ApiKeyError(JsonObject problem) => string.Join(" ", problem["errors"]!["apiKey"]!.AsArray().Select(e => e!.GetValue<string>()));

    private Task<CabinetResponse> CabinetAsync(long cabinetId) => worker.Http.GetFromJsonAsync<CabinetResponse>($"/api/cabinets/{cabinetId}")!;

    public static TheoryData<int, string, string[], string> OneMissing => new()
    {
        { FakeWbServer.Analytics, "analytics", [WbEventType.CriticalStock], "critical-stock" },
        { FakeWbServer.Content, "content", [], "without product photos" },
        { FakeWbServer.Feedbacks, "feedbacks", [WbEventType.NegativeReview], "negative-review" },
    };

    [Theory]
    [MemberData(nameof(OneMissing))]
    public async Task A_key_without_a_category_is_accepted_and_the_answer_names_it_and_what_it_costs(int missing, string code, string[] lost, string effect)
    {
        var seller = wb.NewSeller(scopes: FakeWbServer.AllFour & ~missing);

        var body = await JsonAsync(await worker.PostCabinetAsync(WbTestSteps.NewTelegramId(), seller.Token), HttpStatusCode.Accepted);

        var gap = body["missingCategories"]!.AsArray().Should().ContainSingle().Subject!.AsObject();
        gap["category"]!.GetValue<string>().Should().Be(code);
        gap["lostNotifications"]!.AsArray().Select(n => n!.GetValue<string>()).Should().Equal(lost);
        gap["effect"]!.GetValue<string>().Should().Contain(effect);
        (await CabinetAsync(body["cabinetId"]!.GetValue<long>())).DisabledCategories.Should().Equal(code);
    }

    [Fact]
    public async Task A_key_with_Statistics_alone_syncs_only_Statistics_and_the_sync_complete_message_promises_only_what_comes()
    {
        var seller = wb.NewSeller(scopes: FakeWbServer.Statistics | FakeWbServer.ReadOnly);
        var nm = FakeSeller.NewNmId();
        seller.AddOrder(nm);
        seller.AddFeedback(nm, 1);
        seller.SetStock(nm, 1, "Коледино", 3);
        var user = WbTestSteps.NewTelegramId();

        var registered = await JsonAsync(await worker.PostCabinetAsync(user, seller.Token), HttpStatusCode.Accepted);
        registered["missingCategories"]!.AsArray().Select(g => g!["category"]!.GetValue<string>()).Should().Equal("analytics", "content", "feedbacks");
        var cabinetId = registered["cabinetId"]!.GetValue<long>();
        await Eventually.Until(async () => await worker.StateAsync(cabinetId) == CabinetState.Active, "the initial sync");

        var complete = (await telegram.SettledMessagesAsync(user, 1)).Should().ContainSingle().Subject.Content();
        complete.Should().Contain("Уведомления о новых заказах, выкупах, отменах и возвратах будут приходить сюда (без фото товаров).")
            .And.Contain("«Аналитика» — не будет уведомлений о критических остатках")
            .And.Contain("«Контент» — уведомления будут приходить без фото товаров")
            .And.Contain("«Вопросы и отзывы» — не будет уведомлений о негативных отзывах");
        seller.RequestsTo(CardsPath).Concat(seller.RequestsTo(StocksPath)).Concat(seller.RequestsTo(FeedbacksPath))
            .Should().BeEmpty("the sync does not ask WB for what the key cannot have");
        (await worker.DbAsync(db => db.Set<WbOrder>().CountAsync(o => o.CabinetId == cabinetId))).Should().Be(1);
    }

    [Fact]
    public async Task A_key_without_Statistics_is_a_400_naming_apiKey_and_nothing_is_stored_or_asked()
    {
        var seller = wb.NewSeller(scopes: FakeWbServer.AllFour & ~FakeWbServer.Statistics);

        var problem = await JsonAsync(await worker.PostCabinetAsync(WbTestSteps.NewTelegramId(), seller.Token), HttpStatusCode.BadRequest);

        ApiKeyError(problem).Should().Contain("no access to the Statistics category").And.Contain("Analytics, Content and Feedbacks and questions");
        seller.Requests.Should().BeEmpty("the key's own claims refuse it, without asking WB");
        (await worker.DbAsync(db => db.Set<WbCabinet>().AnyAsync(c => c.ApiKeyHash == WbApiKey.Hash(seller.Token)))).Should().BeFalse();
    }

    [Fact]
    public async Task Content_refused_by_WB_during_a_sync_is_turned_off_the_users_are_told_once_and_the_other_events_come_without_photos()
    {
        // The key claims all four categories, but WB refuses it Content ("token scope not allowed").
        var seller = wb.NewSeller(granted: FakeWbServer.AllFour & ~FakeWbServer.Content);
        var nm = FakeSeller.NewNmId();
        seller.AddCard(nm, "Футболка хлопковая", "FT-01", "https://img.example/" + nm + ".jpg");
        seller.AddOrder(nm);
        var (first, second) = (WbTestSteps.NewTelegramId(), WbTestSteps.NewTelegramId());
        var cabinetId = await worker.RegisterAndWaitAsync(telegram, first, seller);
        (await worker.RegisterAsync(second, seller)).CabinetId.Should().Be(cabinetId);

        var told = (await telegram.SettledMessagesAsync(first, 2)).Select(m => m.Content()).ToList();
        told.Should().HaveCount(2);
        var notice = told.Should().ContainSingle(t => t.StartsWith("⚠️ <b>Ключ WB не даёт доступа к категории «Контент»</b>", StringComparison.Ordinal)).Subject;
        notice.Should().Contain("уведомления будут приходить без фото товаров").And.Contain("Остальные уведомления приходят как обычно")
            .And.Contain("Профиль → Настройки → Доступ к API").And.Contain("«Контент»");
        told.Should().ContainSingle(t => t.StartsWith("✅ <b>Первичная синхронизация завершена</b>", StringComparison.Ordinal)).Which.Should().Contain("(без фото товаров)");
        (await CabinetAsync(cabinetId)).DisabledCategories.Should().Equal("content");
        (await CabinetAsync(cabinetId)).State.Should().Be(CabinetState.Active);

        seller.AddOrder(nm, price: 1500m);
        seller.AddFeedback(nm, 2, "Села после стирки");
        var cardCalls = seller.RequestsTo(CardsPath).Count;
        (await worker.SyncAsync(cabinetId)).Status.Should().Be(WbSyncStatus.Succeeded);
        (await worker.SyncAsync(cabinetId)).Status.Should().Be(WbSyncStatus.Succeeded);

        var messages = await telegram.SettledMessagesAsync(first, 4);
        messages.Should().HaveCount(4, "the content notice once, the sync complete message, the new order and the review");
        messages.Skip(2).Select(m => m.Content().Split('\n')[0]).Should().BeEquivalentTo("🛒 <b>Новый заказ</b>", "⚠️ <b>Негативный отзыв</b>");
        messages.Skip(2).Should().OnlyContain(m => m.Method == "sendMessage", "without Content there is no photo");
        seller.RequestsTo(CardsPath).Count.Should().Be(cardCalls, "a refused category is not asked again");
        var secondUser = await telegram.SettledMessagesAsync(second, 3);
        secondUser.Should().HaveCount(3, "the sync complete message when they joined, the new order and the review");
        secondUser[0].Content().Should().Contain("«Контент» — уведомления будут приходить без фото товаров", "a user joining later learns it when the main menu opens");

        // WB grants Content now; the key registered again turns it back on.
        seller.Granted = FakeWbServer.AllFour;
        (await JsonAsync(await worker.PostCabinetAsync(first, seller.Token), HttpStatusCode.Accepted))["missingCategories"]!.AsArray().Should().BeEmpty();
        (await CabinetAsync(cabinetId)).DisabledCategories.Should().BeEmpty();
        seller.AddOrder(nm, price: 990m);
        (await worker.SyncAsync(cabinetId)).Status.Should().Be(WbSyncStatus.Succeeded);
        seller.RequestsTo(CardsPath).Count.Should().BeGreaterThan(cardCalls);
        var withPhoto = await telegram.SettledMessagesAsync(first, 5);
        withPhoto.Should().HaveCount(5, "registering the same key again sends nothing twice");
        withPhoto[^1].Method.Should().Be("sendPhoto", "with Content the order comes with its photo again");
    }

    [Fact]
    public async Task Statistics_refused_by_WB_during_a_sync_rejects_the_cabinet_and_its_users_are_told_at_once_what_to_do()
    {
        var seller = wb.NewSeller();
        seller.AddOrder(FakeSeller.NewNmId());
        var user = WbTestSteps.NewTelegramId();
        var cabinetId = await worker.RegisterAndWaitAsync(telegram, user, seller);
        seller.Granted &= ~FakeWbServer.Statistics;

        var result = await worker.SyncAsync(cabinetId);

        result.Status.Should().Be(WbSyncStatus.Failed);
        (await worker.StateAsync(cabinetId)).Should().Be(CabinetState.KeyRejected);
        var messages = await telegram.SettledMessagesAsync(user, 2);
        messages.Should().HaveCount(2);
        messages[1].Content().Should().StartWith("⛔ <b>Wildberries отклонил API-ключ кабинета</b> (401)")
            .And.Contain("«Статистика»").And.Contain("Профиль → Настройки → Доступ к API").And.Contain("«🔑 Сменить ключ»");
        (await worker.SyncAsync(cabinetId, waitIfSkipped: false)).Status.Should().Be(WbSyncStatus.Skipped, "a rejected cabinet is not synced");
        (await telegram.SettledMessagesAsync(user, 2)).Should().HaveCount(2, "told once");
    }

    [Fact]
    public async Task A_revoked_key_is_one_rejection_not_a_notice_per_category()
    {
        var seller = wb.NewSeller();
        var user = WbTestSteps.NewTelegramId();
        var cabinetId = await worker.RegisterAndWaitAsync(telegram, user, seller);
        seller.Granted = 0;

        await worker.SyncAsync(cabinetId);

        (await worker.StateAsync(cabinetId)).Should().Be(CabinetState.KeyRejected);
        var messages = await telegram.SettledMessagesAsync(user, 2);
        messages.Should().HaveCount(2).And.ContainSingle(m => m.Content().StartsWith("⛔", StringComparison.Ordinal));
        (await CabinetAsync(cabinetId)).DisabledCategories.Should().BeEmpty("Content failing first was the whole key, not its category");
    }

    public static TheoryData<string, string> HostileKeys => new()
    {
        { "eyJhbGciOiJFUzI1NiJ9." + new string('A', 10_240) + ".c2ln", "'apiKey' must be at most 4096 characters" },
        { FakeWbServer.Jwt(new JsonObject { ["acc"] = 3, ["exp"] = Future(), ["s"] = "all", ["sid"] = "x" }), "'s' claim" },
        { FakeWbServer.Jwt(new JsonObject { ["acc"] = 3, ["exp"] = Future(), ["s"] = -1 }), "'s' claim" },
        { FakeWbServer.Jwt(new JsonObject { ["acc"] = 3, ["exp"] = Future(), ["s"] = 1e30 }), "'s' claim" },
        { FakeWbServer.Jwt(new JsonObject { ["acc"] = 3, ["exp"] = Future(), ["s"] = 160.5 }), "'s' claim" },
        { FakeWbServer.Jwt(new JsonObject { ["acc"] = 3, ["exp"] = Future() }), "'s' claim" },
        { FakeWbServer.Jwt(new JsonObject { ["acc"] = 3, ["s"] = FakeWbServer.AllFour }), "no expiry" },
        { FakeWbServer.Jwt(new JsonObject { ["acc"] = 3, ["s"] = FakeWbServer.AllFour, ["exp"] = "tomorrow" }), "no expiry" },
        { FakeWbServer.Jwt(new JsonObject { ["acc"] = 3, ["s"] = FakeWbServer.AllFour, ["exp"] = long.MaxValue }), "no expiry" },
    };

    private static long Future() => DateTimeOffset.UtcNow.AddDays(30).ToUnixTimeSeconds();

    [Theory]
    [MemberData(nameof(HostileKeys))]
    public async Task A_hostile_key_is_a_clear_400_naming_apiKey_and_stores_nothing(string key, string says)
    {
        var before = await worker.DbAsync(db => db.Set<WbCabinet>().CountAsync());

        var problem = await JsonAsync(await worker.PostCabinetAsync(WbTestSteps.NewTelegramId(), key), HttpStatusCode.BadRequest);

        ApiKeyError(problem).Should().Contain(says);
        (await worker.DbAsync(db => db.Set<WbCabinet>().CountAsync())).Should().Be(before);
    }

    [Fact]
    public async Task A_key_with_a_forged_s_claiming_categories_WB_does_not_grant_is_refused_by_WBs_answer()
    {
        // The claim says Statistics; WB (which checks the signature) does not agree.
        var seller = wb.NewSeller(granted: 0);

        var problem = await JsonAsync(await worker.PostCabinetAsync(WbTestSteps.NewTelegramId(), seller.Token), HttpStatusCode.BadRequest);

        ApiKeyError(problem).Should().Contain("Wildberries rejected the key (401)").And.Contain("token scope not allowed");
        (await worker.DbAsync(db => db.Set<WbCabinet>().AnyAsync(c => c.ApiKeyHash == WbApiKey.Hash(seller.Token)))).Should().BeFalse();
    }

    [Fact]
    public void The_categories_are_read_from_the_s_bits_as_WB_documents_them()
    {
        var token = FakeWbServer.Jwt(new JsonObject
        {
            ["acc"] = 3, ["exp"] = Future(), ["s"] = (1 << 1) | (1 << 5) | (1 << 30), ["sid"] = "5C1B3E0F-0000-4000-8000-000000000001", ["oid"] = 12345,
        });

        WbApiKey.Inspect(token, DateTimeOffset.UtcNow, out var info).Should().BeNull();

        info.Has(WbCategory.Content).Should().BeTrue();
        info.Has(WbCategory.Statistics).Should().BeTrue();
        info.ReadOnly.Should().BeTrue();
        info.MissingSyncCategories.Should().Equal(WbCategory.Analytics, WbCategory.Feedbacks);
        info.RateLimitAccount("hash").Should().Be("sid:5c1b3e0f-0000-4000-8000-000000000001", "the seller account, whatever the key");
        new WbApiKeyInfo(3, null, 0, null, "12345").RateLimitAccount("hash").Should().Be("oid:12345");
        new WbApiKeyInfo(3, null, 0, null, null).RateLimitAccount("hash").Should().Be("key:hash", "a token naming no seller counts alone");
    }
}
