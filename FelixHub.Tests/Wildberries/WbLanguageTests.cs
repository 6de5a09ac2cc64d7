using System.Net;
using FelixHub.Tests.Infrastructure;

namespace FelixHub.Tests.Wildberries;

/// <summary>Issue 22 §2: two users of one cabinet, one English-speaking, get each WB event in their own language.</summary>
public sealed class WbLanguageTests(WbFixture fixture) : IClassFixture<WbFixture>
{
    private readonly TestWorker worker = fixture.Worker;
    private readonly FakeTelegramServer telegram = fixture.Telegram;
    private readonly FakeWbServer wb = fixture.Wb;

    private static readonly string[] EnglishHeaders =
    [
        "🛒 <b>New order</b>", "✅ <b>Buyout</b>", "❌ <b>Order cancelled</b>", "↩️ <b>Return</b>", "⚠️ <b>Negative review</b>", "📉 <b>Critical stock</b>",
    ];

    private static string TypeOf(TelegramCall call, string[] headers) =>
        headers.FirstOrDefault(h => call.Content().StartsWith(h, StringComparison.Ordinal)) ?? call.Content().Split('\n')[0];

    [Fact]
    public async Task Each_user_of_a_cabinet_gets_the_events_in_their_own_language()
    {
        var english = WbTestSteps.NewTelegramId();
        var russian = WbTestSteps.NewTelegramId();
        var patch = await worker.Http.PatchAsync($"/api/recipients/{english}/preferences",
            new StringContent("""{"language":"en"}""", System.Text.Encoding.UTF8, "application/json"));
        patch.StatusCode.Should().Be(HttpStatusCode.OK);

        var seller = wb.NewSeller();
        var nm = FakeSeller.NewNmId();
        seller.AddCard(nm, "T-shirt <cotton & co>", "FT-01", "https://img.example/" + nm + ".jpg");
        var existing = seller.AddOrder(nm);
        seller.SetStock(nm, 1, "Коледино", 3);
        seller.SetStock(nm, 2, "Казань", 2);
        var cabinetId = await worker.RegisterAndWaitAsync(telegram, english, seller);
        (await worker.RegisterAsync(russian, seller)).CabinetId.Should().Be(cabinetId);
        (await telegram.SettledMessagesAsync(english, 1)).Single().Content().Should().StartWith("✅ <b>Initial sync complete</b>\n\nLoaded: orders — 1,");
        (await telegram.SettledMessagesAsync(russian, 1)).Single().Content().Should().StartWith("✅ <b>Первичная синхронизация завершена</b>");

        seller.AddOrder(nm, price: 1500m);
        seller.CancelOrder(existing);
        seller.AddSale('S', nm);
        seller.AddSale('R', nm);
        seller.AddFeedback(nm, 2, "Shrank after washing");
        seller.SetStock(nm, 1, "Коледино", 1);
        seller.SetStock(nm, 2, "Казань", 1);
        await worker.SyncAsync(cabinetId);

        var inEnglish = (await telegram.SettledMessagesAsync(english, 7)).Skip(1).ToList();
        inEnglish.Select(m => TypeOf(m, EnglishHeaders)).Should().BeEquivalentTo(EnglishHeaders);
        var newOrder = inEnglish.Single(m => TypeOf(m, EnglishHeaders) == EnglishHeaders[0]).Content();
        newOrder.Should().Contain("📦 T-shirt &lt;cotton &amp; co&gt;\n🔖 Article: ").And.Contain("💰 Price: 1,500 RUB\n").And.MatchRegex(@"🕒 \d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2} MSK\n$");
        inEnglish.Single(m => TypeOf(m, EnglishHeaders) == EnglishHeaders[4]).Content().Should().Contain("⭐ Rating: ★★☆☆☆ (2/5)\n💬 «Shrank after washing»");
        inEnglish.Single(m => TypeOf(m, EnglishHeaders) == EnglishHeaders[5]).Content().Should().Contain("📊 Left in warehouses: 2 pcs");

        var inRussian = (await telegram.SettledMessagesAsync(russian, 7)).Skip(1).ToList();
        inRussian.Select(m => TypeOf(m, WbSyncEventTests.Headers)).Should().BeEquivalentTo(WbSyncEventTests.Headers);
        inRussian.Single(m => TypeOf(m, WbSyncEventTests.Headers) == WbSyncEventTests.Headers[0]).Content().Should().Contain("💰 Цена: 1 500 ₽\n").And.Contain(" МСК\n");
    }
}
