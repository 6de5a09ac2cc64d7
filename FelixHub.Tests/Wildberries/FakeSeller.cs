using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FelixHub.Tests.Wildberries;

public sealed class FakeOrder
{
    public required string Srid { get; init; }
    public required long NmId { get; init; }
    public required string Date { get; set; }
    public required string LastChangeDate { get; set; }
    public string SupplierArticle { get; init; } = "ART-1";
    public string WarehouseName { get; init; } = "Коледино";
    public string RegionName { get; init; } = "Московская область";
    public decimal PriceWithDisc { get; init; } = 1284.01m;
    public decimal TotalPrice { get; init; } = 2000m;
    public bool IsCancel { get; set; }
    public string CancelDate { get; set; } = "0001-01-01T00:00:00";
}

public sealed class FakeSale
{
    public required string SaleId { get; init; }
    public required long NmId { get; init; }
    public required string Date { get; init; }
    public required string LastChangeDate { get; set; }
    public string SupplierArticle { get; init; } = "ART-1";
    public string WarehouseName { get; init; } = "Электросталь";
    public string RegionName { get; init; } = "Тверская область";
    public decimal PriceWithDisc { get; init; } = 999.5m;
    public decimal ForPay { get; set; } = 850.25m;
}

public sealed class FakeFeedback
{
    public required string Id { get; init; }
    public required long NmId { get; init; }
    public required int Stars { get; init; }
    public required DateTimeOffset Created { get; init; }
    public string Text { get; init; } = "";
    public string ProductName { get; init; } = "Футболка хлопковая";
    public string SupplierArticle { get; init; } = "ART-1";
    public bool Answered { get; set; }
}

public sealed record FakeStock(long NmId, long ChrtId, string Warehouse, int Quantity, int InWayToClient = 0, int InWayFromClient = 0);

public sealed record FakeCard(long NmId, string Title, string VendorCode, string? PhotoUrl);

/// <summary>
/// One key of a seller on the fake WB server, with the seller's data, edited by tests as the seller's
/// business goes on. <see cref="Granted"/> is what WB lets the key use (bits as in the token's <c>s</c>);
/// a call outside it is answered 401 "token scope not allowed", whatever the token claims.
/// </summary>
public sealed class FakeSeller(string token, string sellerId, int granted)
{
    private readonly Lock gate = new();
    private readonly List<FakeOrder> orders = [];
    private readonly List<FakeSale> sales = [];
    private readonly List<FakeFeedback> feedbacks = [];
    private readonly List<FakeStock> stocks = [];
    private readonly List<FakeCard> cards = [];
    private readonly ConcurrentQueue<FakeWbRequest> requests = new();
    private readonly ConcurrentDictionary<string, int> counts = new(StringComparer.Ordinal);
    private static long nextId = 10_000;

    // Moscow wall-clock time of the next change; steps of 1.25 s give fractions of varying length.
    private DateTime clock = DateTime.UtcNow.AddHours(3).AddHours(-2);

    // Feedbacks carry whole seconds; each one a few seconds after the last.
    private DateTimeOffset feedbackClock = DateTimeOffset.UtcNow.AddHours(-1);

    public string Token { get; } = token;

    /// <summary>The token's <c>sid</c>: the seller account WB counts its limits against.</summary>
    public string SellerId { get; } = sellerId;

    /// <summary>The categories WB lets this key use (bit n = 1 &lt;&lt; n, as in <c>s</c>).</summary>
    public int Granted { get; set; } = granted;

    public bool Rejected { get; set; }
    public Func<FakeWbRequest, FakeWbReply?>? Script { get; set; }
    public IReadOnlyList<FakeWbRequest> Requests => requests.ToArray();

    public IReadOnlyList<FakeWbRequest> RequestsTo(string path) => Requests.Where(r => r.Path == path).ToList();

    internal FakeWbRequest Record(string method, string path, IReadOnlyDictionary<string, string> query, string body, string authorization)
    {
        var request = new FakeWbRequest(method, path, query, body, authorization, counts.AddOrUpdate(path, 1, (_, n) => n + 1));
        requests.Enqueue(request);
        return request;
    }

    /// <summary>Moscow time without offset, fractions trimmed as WB does ("…:05", "…:06.25", "…:07.5").</summary>
    public static string Format(DateTime moscow)
    {
        var text = moscow.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture);
        return text.EndsWith('.') ? text[..^1] : text;
    }

    public static DateTime MoscowNow() => DateTime.UtcNow.AddHours(3);

    private string Tick()
    {
        lock (gate)
        {
            clock = clock.AddMilliseconds(1250);
            return Format(clock);
        }
    }

    public static long NewNmId() => Interlocked.Increment(ref nextId);

    public FakeOrder AddOrder(long nmId, DateTime? dateMoscow = null, string? srid = null, decimal? price = null, string? warehouse = null, string? region = null)
    {
        var order = new FakeOrder
        {
            Srid = srid ?? "srid-" + Guid.NewGuid().ToString("N")[..12],
            NmId = nmId,
            Date = Format(dateMoscow ?? MoscowNow().AddMinutes(-30)),
            LastChangeDate = Tick(),
            PriceWithDisc = price ?? 1284.01m,
            WarehouseName = warehouse ?? "Коледино",
            RegionName = region ?? "Московская область",
        };
        lock (gate) orders.Add(order);
        return order;
    }

    public void CancelOrder(FakeOrder order)
    {
        lock (gate)
        {
            order.IsCancel = true;
            order.CancelDate = Format(MoscowNow().AddMinutes(-5));
            order.LastChangeDate = Tick();
        }
    }

    /// <summary>Touches an order without changing it (WB re-reports rows whose lastChangeDate moved).</summary>
    public void Touch(FakeOrder order)
    {
        lock (gate) order.LastChangeDate = Tick();
    }

    public FakeSale AddSale(char kind, long nmId, decimal? forPay = null)
    {
        var sale = new FakeSale
        {
            SaleId = kind + Interlocked.Increment(ref nextId).ToString(CultureInfo.InvariantCulture),
            NmId = nmId,
            Date = Format(MoscowNow().AddMinutes(-20)),
            LastChangeDate = Tick(),
            ForPay = forPay ?? 850.25m,
        };
        lock (gate) sales.Add(sale);
        return sale;
    }

    public FakeFeedback AddFeedback(long nmId, int stars, string text = "Не понравилось", bool answered = false, DateTimeOffset? created = null)
    {
        var feedback = new FakeFeedback
        {
            Id = "fb" + Interlocked.Increment(ref nextId).ToString(CultureInfo.InvariantCulture),
            NmId = nmId,
            Stars = stars,
            Text = text,
            Answered = answered,
            // Whole seconds; each one later than the last so dateFrom paging moves on.
            Created = created ?? NextFeedbackTime(),
        };
        lock (gate) feedbacks.Add(feedback);
        return feedback;
    }

    private DateTimeOffset NextFeedbackTime()
    {
        lock (gate)
        {
            feedbackClock = feedbackClock.AddSeconds(7);
            return new DateTimeOffset(feedbackClock.Ticks - feedbackClock.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
        }
    }

    public void SetStock(long nmId, long chrtId, string warehouse, int quantity, int inWayToClient = 0, int inWayFromClient = 0)
    {
        lock (gate)
        {
            stocks.RemoveAll(s => s.NmId == nmId && s.ChrtId == chrtId && s.Warehouse == warehouse);
            stocks.Add(new FakeStock(nmId, chrtId, warehouse, quantity, inWayToClient, inWayFromClient));
        }
    }

    public void RemoveStocks(long nmId)
    {
        lock (gate) stocks.RemoveAll(s => s.NmId == nmId);
    }

    public void AddCard(long nmId, string title, string vendorCode, string? photoUrl)
    {
        lock (gate) cards.Add(new FakeCard(nmId, title, vendorCode, photoUrl));
    }

    // ---- responses ----------------------------------------------------------------------------

    internal FakeWbReply Orders(IReadOnlyDictionary<string, string> query, int pageSize)
    {
        if (CheckStatisticsQuery(query, out var from) is { } bad) return bad;
        lock (gate)
        {
            var page = orders.Where(o => Parse(o.LastChangeDate) >= from).OrderBy(o => Parse(o.LastChangeDate)).ThenBy(o => o.Srid, StringComparer.Ordinal).Take(pageSize)
                .Select(o => new JsonObject
                {
                    ["date"] = o.Date, ["lastChangeDate"] = o.LastChangeDate, ["warehouseName"] = o.WarehouseName, ["warehouseType"] = "Склад WB",
                    ["countryName"] = "Россия", ["oblastOkrugName"] = "Центральный федеральный округ", ["regionName"] = o.RegionName,
                    ["supplierArticle"] = o.SupplierArticle, ["nmId"] = o.NmId, ["barcode"] = "2037031652319", ["category"] = "Одежда",
                    ["subject"] = "Футболки", ["brand"] = "FelixWear", ["techSize"] = "M", ["incomeID"] = 56735459, ["isSupply"] = false,
                    ["isRealization"] = true, ["totalPrice"] = o.TotalPrice, ["discountPercent"] = 35, ["spp"] = 12.5m,
                    ["finishedPrice"] = o.PriceWithDisc - 100m, ["priceWithDisc"] = o.PriceWithDisc, ["isCancel"] = o.IsCancel,
                    ["cancelDate"] = o.CancelDate, ["sticker"] = "", ["gNumber"] = "g" + o.Srid, ["srid"] = o.Srid,
                }).ToList();
            return new FakeWbReply(200, new JsonArray([.. page]).ToJsonString());
        }
    }

    internal FakeWbReply Sales(IReadOnlyDictionary<string, string> query, int pageSize)
    {
        if (CheckStatisticsQuery(query, out var from) is { } bad) return bad;
        lock (gate)
        {
            var page = sales.Where(s => Parse(s.LastChangeDate) >= from).OrderBy(s => Parse(s.LastChangeDate)).ThenBy(s => s.SaleId, StringComparer.Ordinal).Take(pageSize)
                .Select(s => new JsonObject
                {
                    ["date"] = s.Date, ["lastChangeDate"] = s.LastChangeDate, ["warehouseName"] = s.WarehouseName, ["countryName"] = "Россия",
                    ["oblastOkrugName"] = "Центральный федеральный округ", ["regionName"] = s.RegionName, ["supplierArticle"] = s.SupplierArticle,
                    ["nmId"] = s.NmId, ["barcode"] = "2037031652319", ["category"] = "Одежда", ["subject"] = "Футболки", ["brand"] = "FelixWear",
                    ["techSize"] = "M", ["totalPrice"] = 1500m, ["discountPercent"] = 30, ["spp"] = 10m, ["paymentSaleAmount"] = 0,
                    ["forPay"] = s.ForPay, ["finishedPrice"] = s.PriceWithDisc - 50m, ["priceWithDisc"] = s.PriceWithDisc, ["saleID"] = s.SaleId,
                    ["sticker"] = "", ["gNumber"] = "g" + s.SaleId, ["srid"] = "srid-of-" + s.SaleId,
                }).ToList();
            return new FakeWbReply(200, new JsonArray([.. page]).ToJsonString());
        }
    }

    internal FakeWbReply Feedbacks(IReadOnlyDictionary<string, string> query)
    {
        if (!query.TryGetValue("isAnswered", out var answeredText) || !bool.TryParse(answeredText, out var answered))
            return new FakeWbReply(400, """{"data":null,"error":true,"errorText":"Не указан параметр isAnswered","additionalErrors":null}""");
        var take = int.Parse(query.GetValueOrDefault("take", "100"), CultureInfo.InvariantCulture);
        var skip = int.Parse(query.GetValueOrDefault("skip", "0"), CultureInfo.InvariantCulture);
        var from = long.Parse(query.GetValueOrDefault("dateFrom", "0"), CultureInfo.InvariantCulture);
        lock (gate)
        {
            var matching = feedbacks.Where(f => f.Answered == answered && f.Created.ToUnixTimeSeconds() >= from);
            matching = query.GetValueOrDefault("order") == "dateDesc" ? matching.OrderByDescending(f => f.Created) : matching.OrderBy(f => f.Created).ThenBy(f => f.Id, StringComparer.Ordinal);
            var page = matching.Skip(skip).Take(take).Select(f => new JsonObject
            {
                ["id"] = f.Id, ["text"] = f.Text, ["pros"] = "", ["cons"] = "", ["productValuation"] = f.Stars,
                ["createdDate"] = f.Created.ToOffset(TimeSpan.FromHours(3)).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture),
                ["answer"] = f.Answered ? new JsonObject { ["text"] = "Спасибо", ["state"] = "wbRu", ["editable"] = false } : null,
                ["state"] = "none", ["userName"] = "Покупатель", ["wasViewed"] = true, ["photoLinks"] = null, ["video"] = null,
                ["productDetails"] = new JsonObject
                {
                    ["imtId"] = 1, ["nmId"] = f.NmId, ["productName"] = f.ProductName, ["supplierArticle"] = f.SupplierArticle,
                    ["supplierName"] = "ИП Феликс", ["brandName"] = "FelixWear", ["size"] = "M",
                },
            }).ToList();
            var envelope = new JsonObject
            {
                ["data"] = new JsonObject { ["countUnanswered"] = feedbacks.Count(f => !f.Answered), ["countArchive"] = 0, ["feedbacks"] = new JsonArray([.. page]) },
                ["error"] = false, ["errorText"] = "", ["additionalErrors"] = null,
            };
            return new FakeWbReply(200, envelope.ToJsonString());
        }
    }

    internal FakeWbReply Stocks(string body)
    {
        var request = JsonNode.Parse(body)!.AsObject();
        var limit = request["limit"]?.GetValue<int>() ?? 1000;
        var offset = request["offset"]?.GetValue<int>() ?? 0;
        lock (gate)
        {
            var page = stocks.OrderBy(s => s.NmId).ThenBy(s => s.ChrtId).ThenBy(s => s.Warehouse, StringComparer.Ordinal).Skip(offset).Take(limit)
                .Select(s => new JsonObject
                {
                    ["nmId"] = s.NmId, ["chrtId"] = s.ChrtId, ["warehouseId"] = Math.Abs(s.Warehouse.GetHashCode()) % 1000, ["warehouseName"] = s.Warehouse,
                    ["regionName"] = "Центральный", ["quantity"] = s.Quantity, ["inWayToClient"] = s.InWayToClient, ["inWayFromClient"] = s.InWayFromClient,
                }).ToList();
            return new FakeWbReply(200, new JsonObject { ["data"] = new JsonObject { ["items"] = new JsonArray([.. page]) } }.ToJsonString());
        }
    }

    internal FakeWbReply Cards(string body)
    {
        var cursor = JsonNode.Parse(body)!["settings"]!["cursor"]!;
        var limit = cursor["limit"]!.GetValue<int>();
        var after = cursor["nmID"]?.GetValue<long>();
        lock (gate)
        {
            var page = cards.OrderBy(c => c.NmId).Where(c => after is null || c.NmId > after).Take(limit).ToList();
            var json = new JsonObject
            {
                ["cards"] = new JsonArray([.. page.Select(c => (JsonNode)new JsonObject
                {
                    ["nmID"] = c.NmId, ["imtID"] = 1, ["vendorCode"] = c.VendorCode, ["brand"] = "FelixWear", ["title"] = c.Title,
                    ["subjectName"] = "Футболки",
                    ["photos"] = c.PhotoUrl is null ? new JsonArray() : new JsonArray(new JsonObject { ["big"] = c.PhotoUrl, ["c246x328"] = c.PhotoUrl + "?small" }),
                })]),
                ["cursor"] = new JsonObject { ["updatedAt"] = "2026-01-01T00:00:00Z", ["nmID"] = page.Count > 0 ? page[^1].NmId : after, ["total"] = page.Count },
            };
            return new FakeWbReply(200, json.ToJsonString());
        }
    }

    private static FakeWbReply? CheckStatisticsQuery(IReadOnlyDictionary<string, string> query, out DateTime from)
    {
        from = default;
        if (!query.TryGetValue("dateFrom", out var dateFrom) || !DateTime.TryParse(dateFrom, CultureInfo.InvariantCulture, DateTimeStyles.None, out from))
            return FakeWbReply.BadRequestList("dateFrom: invalid or missing date");
        if (dateFrom.Contains('+', StringComparison.Ordinal) || dateFrom.EndsWith('Z'))
            return FakeWbReply.BadRequestList("dateFrom: expected Moscow time without an offset");
        if (!query.TryGetValue("flag", out var flag) || flag != "0")
            return FakeWbReply.BadRequestText("flag: only 0 is served by this fake");
        return null;
    }

    private static DateTime Parse(string moscow) => DateTime.Parse(moscow, CultureInfo.InvariantCulture, DateTimeStyles.None);

    /// <summary>Serialises as WB does, for tests that build bodies by hand.</summary>
    public static string Json(object value) => JsonSerializer.Serialize(value);
}
