using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace FelixHub.Bench;

/// <summary>
/// A lean Wildberries API for the sync benchmark, on 127.0.0.1, in the orchestrating process (the worker
/// runs in a child process, so this data does not count in the worker's memory). It pages statistics as
/// WB does: rows whose <c>lastChangeDate</c> ≥ <c>dateFrom</c> (Moscow time without an offset), with
/// <c>flag=0</c>, oldest first, at most <see cref="PageSize"/> rows per response; the next page starts
/// from the last row's <c>lastChangeDate</c>, so the boundary row comes back. Rows are serialised once
/// when the data set is built (every field of WB's row), so a page costs a binary search and a copy.
/// Each token has its own data set; <c>POST /_bench/change?token=…</c> applies the benchmark's delta.
/// </summary>
internal sealed class BenchWbApi : IAsyncDisposable
{
    public const int PageSize = 80_000;
    public const int Products = 500;

    private readonly WebApplication app;
    private readonly Dictionary<string, Seller> sellers = new(StringComparer.Ordinal);
    private readonly Lock gate = new();

    private BenchWbApi(WebApplication app) => this.app = app;

    public string BaseUrl { get; private set; } = "";

    public static async Task<BenchWbApi> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var api = new BenchWbApi(app);
        app.MapPost("/_bench/change", api.Change);
        app.Map("/{**path}", api.HandleAsync);
        await app.StartAsync();
        api.BaseUrl = app.Urls.First();
        return api;
    }

    /// <summary>A seller with <paramref name="orders"/> orders and <paramref name="sales"/> sales spread over the last 6.9 days; returns its token.</summary>
    public string AddSeller(int orders, int sales)
    {
        var token = Jwt();
        var seller = new Seller();
        // Moscow wall-clock times, oldest first; steps of at least a second so rows rarely share a lastChangeDate.
        var start = DateTime.UtcNow.AddHours(3).AddDays(-6.9);
        var span = TimeSpan.FromDays(6.85);
        for (var i = 0; i < orders; i++)
        {
            var at = start + span * i / orders;
            seller.Orders.Add(OrderRow(i, "bench-o-" + i.ToString(CultureInfo.InvariantCulture), at, at.AddMilliseconds(250 * (i % 4)), cancelled: false));
        }
        for (var i = 0; i < sales; i++)
        {
            var at = start + span * i / sales;
            var kind = i % 20 == 7 ? 'R' : 'S';
            seller.Sales.Add(SaleRow(i, kind + (5_000_000 + i).ToString(CultureInfo.InvariantCulture), at, at.AddMilliseconds(125 * (i % 8))));
        }
        seller.NextOrder = orders;
        seller.NextSale = sales;
        lock (gate) sellers[token] = seller;
        return token;
    }

    /// <summary>
    /// While set, statistics and feedbacks pages come back as garbage with 200 (the soak scenario's WB
    /// fault): every other answer is invalid JSON, the rest valid JSON of the wrong shape.
    /// </summary>
    public bool Garbage { get; set; }

    private int garbageServed;

    /// <summary>How many garbage pages were served.</summary>
    public int GarbageServed => Volatile.Read(ref garbageServed);

    /// <summary>A new unanswered review of <paramref name="stars"/>★ for the seller, created now (the soak scenario's reviews).</summary>
    public void AddFeedback(string token, int stars)
    {
        lock (gate)
        {
            if (!sellers.TryGetValue(token, out var seller)) return;
            var n = seller.Feedbacks.Count;
            var nm = 100_001 + n % Products;
            var created = DateTimeOffset.UtcNow;
            seller.Feedbacks.Add((created.ToUnixTimeSeconds(), new JsonObject
            {
                ["id"] = "fb-" + n.ToString(CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..8],
                ["text"] = "Отзыв " + n.ToString(CultureInfo.InvariantCulture),
                ["pros"] = "",
                ["cons"] = "Не подошёл размер",
                ["productValuation"] = stars,
                ["createdDate"] = created.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                ["productDetails"] = new JsonObject { ["nmId"] = nm, ["productName"] = "Футболка хлопковая " + nm.ToString(CultureInfo.InvariantCulture), ["supplierArticle"] = "ART-" + nm.ToString(CultureInfo.InvariantCulture), ["brandName"] = "FelixWear" },
            }.ToJsonString()));
        }
    }

    public void RemoveSeller(string token)
    {
        lock (gate) sellers.Remove(token);
    }

    /// <summary>The benchmark's delta: half the rows cancel existing orders, a quarter are new orders, a quarter new buyouts; all later than anything served before.</summary>
    private IResult Change(HttpContext http)
    {
        var token = http.Request.Query["token"].ToString();
        var rows = int.Parse(http.Request.Query["rows"].ToString(), CultureInfo.InvariantCulture);
        lock (gate)
        {
            if (!sellers.TryGetValue(token, out var seller)) return Results.NotFound();
            var clock = DateTime.UtcNow.AddHours(3).AddMinutes(-30);
            var cancel = rows / 2;
            var newOrders = rows / 4;
            var newSales = rows - cancel - newOrders;
            // Cancel every (orders/cancel)-th order: its row moves to the end with a new lastChangeDate.
            var step = Math.Max(1, seller.Orders.Count / Math.Max(1, cancel));
            var cancelled = new HashSet<int>();
            for (var i = 0; i < cancel && i * step < seller.Orders.Count; i++) cancelled.Add(i * step);
            var kept = new List<Row>(seller.Orders.Count + newOrders);
            var moved = new List<Row>();
            for (var i = 0; i < seller.Orders.Count; i++)
            {
                if (!cancelled.Contains(i)) { kept.Add(seller.Orders[i]); continue; }
                var old = seller.Orders[i];
                clock = clock.AddMilliseconds(500);
                moved.Add(OrderRow(old.Index, old.Key, old.Date, clock, cancelled: true));
            }
            kept.AddRange(moved);
            for (var i = 0; i < newOrders; i++)
            {
                clock = clock.AddMilliseconds(500);
                var n = seller.NextOrder++;
                kept.Add(OrderRow(n, "bench-o-" + n.ToString(CultureInfo.InvariantCulture), clock.AddMinutes(-5), clock, cancelled: false));
            }
            seller.Orders = kept;
            for (var i = 0; i < newSales; i++)
            {
                clock = clock.AddMilliseconds(500);
                var n = seller.NextSale++;
                seller.Sales.Add(SaleRow(n, "S" + (5_000_000 + n).ToString(CultureInfo.InvariantCulture), clock.AddMinutes(-5), clock));
            }
        }
        return Results.Ok();
    }

    private async Task HandleAsync(HttpContext http)
    {
        Seller? seller;
        lock (gate) sellers.TryGetValue(http.Request.Headers.Authorization.ToString(), out seller);
        if (seller is null)
        {
            await Json(http, 401, """{"title":"unauthorized","detail":"token scope not allowed","status":401}""");
            return;
        }
        if (Garbage && http.Request.Path.Value is "/api/v1/supplier/orders" or "/api/v1/supplier/sales" or "/api/v1/feedbacks")
        {
            var odd = Interlocked.Increment(ref garbageServed) % 2 == 1;
            await Json(http, 200, odd ? "[{\"date\":\"2026-01-01T00:00:00\",\"lastChangeDate\":" : """{"unexpected":"shape","rows":42}""");
            return;
        }
        switch (http.Request.Path.Value)
        {
            case "/ping":
                await Json(http, 200, """{"TS":"2026-01-01T00:00:00+03:00","Status":"OK"}""");
                break;
            case "/api/v1/supplier/orders":
                await StatisticsAsync(http, seller, s => s.Orders);
                break;
            case "/api/v1/supplier/sales":
                await StatisticsAsync(http, seller, s => s.Sales);
                break;
            case "/api/v1/feedbacks":
                await FeedbacksAsync(http, seller);
                break;
            case "/api/analytics/v1/stocks-report/wb-warehouses":
                await StocksAsync(http);
                break;
            case "/content/v2/get/cards/list":
                await CardsAsync(http);
                break;
            default:
                await Json(http, 404, """{"errors":["not found"]}""");
                break;
        }
    }

    private async Task StatisticsAsync(HttpContext http, Seller seller, Func<Seller, List<Row>> table)
    {
        var dateFrom = http.Request.Query["dateFrom"].ToString();
        if (http.Request.Query["flag"] != "0" || !DateTime.TryParse(dateFrom, CultureInfo.InvariantCulture, DateTimeStyles.None, out var from))
        {
            await Json(http, 400, """{"errors":["dateFrom: invalid or missing date; flag must be 0"]}""");
            return;
        }
        List<Row> rows;
        lock (gate) rows = table(seller);
        // Rows are kept in lastChangeDate order: binary search for the first one at or after dateFrom.
        int lo = 0, hi = rows.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (rows[mid].LastChange < from) lo = mid + 1; else hi = mid;
        }
        var end = Math.Min(rows.Count, lo + PageSize);
        http.Response.StatusCode = 200;
        http.Response.ContentType = "application/json";
        var body = http.Response.BodyWriter;
        body.Write("["u8);
        for (var i = lo; i < end; i++)
        {
            if (i > lo) body.Write(","u8);
            body.Write(rows[i].Json);
            if ((i - lo) % 2000 == 1999) await body.FlushAsync();
        }
        body.Write("]"u8);
        await body.FlushAsync();
    }

    /// <summary>The seller's reviews (none unless the benchmark added some), all unanswered: created at or after dateFrom (unix seconds), oldest first, take/skip.</summary>
    private async Task FeedbacksAsync(HttpContext http, Seller seller)
    {
        var answered = http.Request.Query["isAnswered"].ToString() == "true";
        var take = int.TryParse(http.Request.Query["take"], CultureInfo.InvariantCulture, out var t) ? t : 5000;
        var skip = int.TryParse(http.Request.Query["skip"], CultureInfo.InvariantCulture, out var k) ? k : 0;
        var from = long.TryParse(http.Request.Query["dateFrom"], CultureInfo.InvariantCulture, out var f) ? f : 0;
        List<string> page;
        lock (gate) page = answered ? [] : seller.Feedbacks.Where(x => x.Created >= from).Skip(skip).Take(take).Select(x => x.Json).ToList();
        await Json(http, 200, $$"""{"data":{"countUnanswered":{{page.Count}},"countArchive":0,"feedbacks":[{{string.Join(',', page)}}]},"error":false,"errorText":"","additionalErrors":null}""");
    }

    private static async Task StocksAsync(HttpContext http)
    {
        var request = await JsonNode.ParseAsync(http.Request.Body);
        var offset = request?["offset"]?.GetValue<int>() ?? 0;
        var items = new JsonArray();
        string[] warehouses = ["Коледино", "Электросталь", "Казань"];
        if (offset == 0)
        {
            for (var p = 0; p < Products; p++)
                foreach (var w in warehouses)
                    items.Add(new JsonObject
                    {
                        ["nmId"] = 100_001 + p, ["chrtId"] = 900_001 + p, ["warehouseId"] = w.Length, ["warehouseName"] = w,
                        ["regionName"] = "Центральный", ["quantity"] = 10 + p % 7, ["inWayToClient"] = p % 3, ["inWayFromClient"] = p % 2,
                    });
        }
        await Json(http, 200, new JsonObject { ["data"] = new JsonObject { ["items"] = items } }.ToJsonString());
    }

    private static async Task CardsAsync(HttpContext http)
    {
        var request = await JsonNode.ParseAsync(http.Request.Body);
        var cursor = request?["settings"]?["cursor"];
        var limit = cursor?["limit"]?.GetValue<int>() ?? 100;
        var after = cursor?["nmID"]?.GetValue<long?>() ?? 100_000;
        var cards = new JsonArray();
        long last = after;
        for (var nm = after + 1; nm <= 100_000 + Products && cards.Count < limit; nm++)
        {
            cards.Add(new JsonObject
            {
                ["nmID"] = nm, ["imtID"] = nm + 7, ["vendorCode"] = "ART-" + nm.ToString(CultureInfo.InvariantCulture), ["brand"] = "FelixWear",
                ["title"] = "Футболка хлопковая " + nm.ToString(CultureInfo.InvariantCulture), ["subjectName"] = "Футболки",
                ["photos"] = new JsonArray(new JsonObject { ["big"] = $"https://basket-01.wbbasket.ru/vol{nm / 100_000}/part{nm / 1000}/{nm}/images/big/1.webp" }),
            });
            last = nm;
        }
        await Json(http, 200, new JsonObject
        {
            ["cards"] = cards,
            ["cursor"] = new JsonObject { ["updatedAt"] = "2026-01-01T00:00:00Z", ["nmID"] = last, ["total"] = cards.Count },
        }.ToJsonString());
    }

    private static async Task Json(HttpContext http, int status, string body)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = status >= 400 && status != 404 ? "application/problem+json" : "application/json";
        await http.Response.WriteAsync(body);
    }

    /// <summary>WB sends Cyrillic as UTF-8, not as \u escapes.</summary>
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static string Format(DateTime moscow)
    {
        var text = moscow.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture);
        return text.EndsWith('.') ? text[..^1] : text;
    }

    private static Row OrderRow(int i, string srid, DateTime date, DateTime lastChange, bool cancelled)
    {
        var nm = 100_001 + i % Products;
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("date", Format(date));
            w.WriteString("lastChangeDate", Format(lastChange));
            w.WriteString("warehouseName", Warehouse(i));
            w.WriteString("warehouseType", "Склад WB");
            w.WriteString("countryName", "Россия");
            w.WriteString("oblastOkrugName", "Центральный федеральный округ");
            w.WriteString("regionName", Region(i));
            w.WriteString("supplierArticle", "ART-" + nm.ToString(CultureInfo.InvariantCulture));
            w.WriteNumber("nmId", nm);
            w.WriteString("barcode", (2037031650000L + nm).ToString(CultureInfo.InvariantCulture));
            w.WriteString("category", "Одежда");
            w.WriteString("subject", "Футболки");
            w.WriteString("brand", "FelixWear");
            w.WriteString("techSize", (i % 3) switch { 0 => "S", 1 => "M", _ => "L" });
            w.WriteNumber("incomeID", 56735459 + i % 100);
            w.WriteBoolean("isSupply", false);
            w.WriteBoolean("isRealization", true);
            w.WriteNumber("totalPrice", 2000m + i % 500);
            w.WriteNumber("discountPercent", 35);
            w.WriteNumber("spp", 12.5m);
            w.WriteNumber("finishedPrice", 1184.01m + i % 500);
            w.WriteNumber("priceWithDisc", 1284.01m + i % 500);
            w.WriteBoolean("isCancel", cancelled);
            w.WriteString("cancelDate", cancelled ? Format(lastChange.AddMinutes(-1)) : "0001-01-01T00:00:00");
            w.WriteString("sticker", "");
            w.WriteString("gNumber", "g" + srid);
            w.WriteString("srid", srid);
            w.WriteEndObject();
        }
        return new Row(i, srid, date, lastChange, buffer.WrittenMemory.ToArray());
    }

    private static Row SaleRow(int i, string saleId, DateTime date, DateTime lastChange)
    {
        var nm = 100_001 + i % Products;
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("date", Format(date));
            w.WriteString("lastChangeDate", Format(lastChange));
            w.WriteString("warehouseName", Warehouse(i));
            w.WriteString("warehouseType", "Склад WB");
            w.WriteString("countryName", "Россия");
            w.WriteString("oblastOkrugName", "Центральный федеральный округ");
            w.WriteString("regionName", Region(i));
            w.WriteString("supplierArticle", "ART-" + nm.ToString(CultureInfo.InvariantCulture));
            w.WriteNumber("nmId", nm);
            w.WriteString("barcode", (2037031650000L + nm).ToString(CultureInfo.InvariantCulture));
            w.WriteString("category", "Одежда");
            w.WriteString("subject", "Футболки");
            w.WriteString("brand", "FelixWear");
            w.WriteString("techSize", (i % 3) switch { 0 => "S", 1 => "M", _ => "L" });
            w.WriteNumber("incomeID", 56735459 + i % 100);
            w.WriteBoolean("isSupply", false);
            w.WriteBoolean("isRealization", true);
            w.WriteNumber("totalPrice", 1500m + i % 300);
            w.WriteNumber("discountPercent", 30);
            w.WriteNumber("spp", 10m);
            w.WriteNumber("paymentSaleAmount", 0);
            w.WriteNumber("forPay", 850.25m + i % 300);
            w.WriteNumber("finishedPrice", 949.5m + i % 300);
            w.WriteNumber("priceWithDisc", 999.5m + i % 300);
            w.WriteString("saleID", saleId);
            w.WriteString("sticker", "");
            w.WriteString("gNumber", "g" + saleId);
            w.WriteString("srid", "srid-of-" + saleId);
            w.WriteEndObject();
        }
        return new Row(i, saleId, date, lastChange, buffer.WrittenMemory.ToArray());
    }

    private static string Warehouse(int i) => (i % 4) switch { 0 => "Коледино", 1 => "Электросталь", 2 => "Казань", _ => "Подольск" };

    private static string Region(int i) => (i % 3) switch { 0 => "Московская область", 1 => "Тверская область", _ => "Республика Татарстан" };

    private static string Jwt()
    {
        static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var payload = new JsonObject
        {
            ["acc"] = 3, ["exp"] = DateTimeOffset.UtcNow.AddDays(180).ToUnixTimeSeconds(), ["id"] = Guid.NewGuid().ToString(),
            ["s"] = 1073741990, ["sid"] = Guid.NewGuid().ToString(),
        };
        return B64("""{"alg":"ES256","kid":"20250101v1","typ":"JWT"}""") + "." + B64(payload.ToJsonString()) + "." + B64("signature-" + Guid.NewGuid());
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }

    private sealed record Row(int Index, string Key, DateTime Date, DateTime LastChange, byte[] Json);

    private sealed class Seller
    {
        public List<Row> Orders { get; set; } = [];
        public List<Row> Sales { get; } = [];
        public List<(long Created, string Json)> Feedbacks { get; } = [];
        public int NextOrder { get; set; }
        public int NextSale { get; set; }
    }
}
