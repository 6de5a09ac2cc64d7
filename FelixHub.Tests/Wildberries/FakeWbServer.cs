using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace FelixHub.Tests.Wildberries;

/// <summary>One WB call as the fake received it.</summary>
public sealed record FakeWbRequest(string Method, string Path, IReadOnlyDictionary<string, string> Query, string Body, string? Authorization, int Nth);

/// <summary>What the fake answers instead of the normal page.</summary>
public sealed record FakeWbReply(int Status, string Body, string ContentType = "application/json", IReadOnlyDictionary<string, string>? Headers = null, bool TruncateNormal = false)
{
    public static FakeWbReply TooManyRequests(int retrySeconds) => new(429,
        """{"title":"too many requests","detail":"Limited by global limiter","code":"429","requestId":"r","origin":"s2s-api-auth-stat","status":429,"statusText":"Too Many Requests"}""",
        "application/problem+json",
        new Dictionary<string, string> { ["X-Ratelimit-Retry"] = retrySeconds.ToString(CultureInfo.InvariantCulture), ["X-Ratelimit-Reset"] = retrySeconds.ToString(CultureInfo.InvariantCulture), ["X-Ratelimit-Limit"] = "1" });

    public static FakeWbReply Unauthorized => new(401,
        """{"title":"unauthorized","detail":"token scope not allowed","code":"401","requestId":"r","origin":"s2s-api-auth-stat","status":401,"statusText":"Unauthorized"}""",
        "application/problem+json");

    public static FakeWbReply BadRequestList(string message) => new(400, JsonSerializer.Serialize(new { errors = new[] { message } }));

    public static FakeWbReply BadRequestText(string message) => new(400, JsonSerializer.Serialize(new { errors = message }));

    public static FakeWbReply ServerError => new(500, """{"errors":["internal error"]}""");

    public static FakeWbReply Malformed => new(200, """[{"srid": "broken", "date": """);

    /// <summary>The normal page, cut in the middle (a connection that dropped mid-body).</summary>
    public static FakeWbReply Truncated => new(200, "", TruncateNormal: true);
}

/// <summary>
/// A Wildberries API stand-in on 127.0.0.1 serving all four hosts (statistics, feedbacks, analytics,
/// content) the way the issue describes WB: `Authorization: token` without Bearer (401 problem+json
/// otherwise), statistics pages of rows with lastChangeDate ≥ dateFrom (so the boundary row comes
/// back) with flag=0, Moscow times without offset and with variable fractional seconds, the
/// feedbacks envelope, the stocks report and the content cards cursor. Each seller (token) has its
/// own data and can be scripted (429 with X-Ratelimit-Retry, 5xx, both 400 shapes, broken bodies).
/// </summary>
public sealed class FakeWbServer : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ConcurrentDictionary<string, FakeSeller> sellers = new(StringComparer.Ordinal);

    private FakeWbServer(WebApplication app) => this.app = app;

    public string BaseUrl { get; private set; } = "";

    /// <summary>Rows per statistics page (WB's is ~80,000).</summary>
    public int StatisticsPageSize { get; set; } = 3;

    public static async Task<FakeWbServer> StartAsync(int statisticsPageSize = 3)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new FakeWbServer(app) { StatisticsPageSize = statisticsPageSize };
        app.Map("/{**path}", server.HandleAsync);
        await app.StartAsync();
        server.BaseUrl = app.Urls.First();
        return server;
    }

    /// <summary>Bit n of <c>s</c> is 1 &lt;&lt; n: 1 Content, 2 Analytics, 5 Statistics, 7 Feedbacks and questions, 30 read-only.</summary>
    public const int Content = 1 << 1, Analytics = 1 << 2, Statistics = 1 << 5, Feedbacks = 1 << 7, ReadOnly = 1 << 30;

    /// <summary>The four categories the sync uses, read-only, as a seller following the bot's advice creates the key.</summary>
    public const int AllFour = Content | Analytics | Statistics | Feedbacks | ReadOnly;

    /// <summary>
    /// A new key: of a new seller account, or of <paramref name="sameSellerAs"/>'s account (its own data).
    /// <paramref name="scopes"/> is what the token claims (<c>s</c>), <paramref name="granted"/> what WB
    /// actually allows (the claim, unless a test forges one).
    /// </summary>
    public FakeSeller NewSeller(int tokenType = 3, TimeSpan? validFor = null, int scopes = AllFour, int? granted = null, FakeSeller? sameSellerAs = null)
    {
        var sellerId = sameSellerAs?.SellerId ?? Guid.NewGuid().ToString();
        var token = Jwt(new JsonObject
        {
            ["acc"] = tokenType,
            ["exp"] = DateTimeOffset.UtcNow.Add(validFor ?? TimeSpan.FromDays(180)).ToUnixTimeSeconds(),
            ["id"] = Guid.NewGuid().ToString(),
            ["s"] = scopes,
            ["sid"] = sellerId,
        });
        var seller = new FakeSeller(token, sellerId, granted ?? scopes);
        sellers[token] = seller;
        return seller;
    }

    /// <summary>Another key of <paramref name="seller"/>'s account that WB answers with the same data (a replacement key).</summary>
    public string AddKey(FakeSeller seller, TimeSpan? validFor = null, int scopes = AllFour)
    {
        var token = Jwt(new JsonObject
        {
            ["acc"] = 3,
            ["exp"] = DateTimeOffset.UtcNow.Add(validFor ?? TimeSpan.FromDays(180)).ToUnixTimeSeconds(),
            ["id"] = Guid.NewGuid().ToString(),
            ["s"] = scopes,
            ["sid"] = seller.SellerId,
        });
        sellers[token] = seller;
        return token;
    }

    /// <summary>
    /// When set, WB's limit per seller account (not per key) and path: a second call of the same path
    /// by any key of the seller sooner than this answers 429, counted in <see cref="SellerLimitHits"/>.
    /// </summary>
    public TimeSpan? SellerLimit { get; set; }

    public int SellerLimitHits => sellerLimitHits;

    private int sellerLimitHits;
    private readonly ConcurrentDictionary<(string Seller, string Path), DateTime> lastCalls = new();

    /// <summary>The category a path belongs to (its WB host).</summary>
    private static int CategoryOf(string path) => path switch
    {
        "/api/v1/feedbacks" => Feedbacks,
        "/api/analytics/v1/stocks-report/wb-warehouses" => Analytics,
        "/content/v2/get/cards/list" => Content,
        _ => Statistics,
    };

    /// <summary>A JWT-shaped token (the signature is not checked by anyone but WB).</summary>
    public static string Jwt(JsonObject payload)
    {
        static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return B64("""{"alg":"ES256","kid":"20250101v1","typ":"JWT"}""") + "." + B64(payload.ToJsonString()) + "." + B64("signature-" + Guid.NewGuid());
    }

    private async Task HandleAsync(HttpContext http)
    {
        var path = http.Request.Path.Value ?? "";
        var query = http.Request.Query.ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        string body;
        using (var reader = new StreamReader(http.Request.Body)) body = await reader.ReadToEndAsync();
        var authorization = http.Request.Headers.Authorization.ToString();

        if (!sellers.TryGetValue(authorization, out var seller) || seller.Rejected)
        {
            await WriteAsync(http, FakeWbReply.Unauthorized, "");
            return;
        }

        var request = seller.Record(http.Request.Method, path, query, body, authorization);
        if ((seller.Granted & CategoryOf(path)) == 0)
        {
            await WriteAsync(http, FakeWbReply.Unauthorized, "");
            return;
        }

        if (SellerLimit is { } limit && path != "/ping")
        {
            var now = DateTime.UtcNow;
            var key = (seller.SellerId, path);
            var limited = false;
            lastCalls.AddOrUpdate(key, now, (_, last) =>
            {
                limited = now - last < limit;
                return limited ? last : now;
            });
            if (limited)
            {
                Interlocked.Increment(ref sellerLimitHits);
                await WriteAsync(http, FakeWbReply.TooManyRequests(1), "");
                return;
            }
        }

        var scripted = seller.Script?.Invoke(request);
        if (scripted is { TruncateNormal: false })
        {
            await WriteAsync(http, scripted, "");
            return;
        }

        var normal = path switch
        {
            "/ping" => new FakeWbReply(200, JsonSerializer.Serialize(new { TS = DateTimeOffset.UtcNow.ToString("O"), Status = "OK" })),
            "/api/v1/supplier/orders" => seller.Orders(query, StatisticsPageSize),
            "/api/v1/supplier/sales" => seller.Sales(query, StatisticsPageSize),
            "/api/v1/feedbacks" => seller.Feedbacks(query),
            "/api/analytics/v1/stocks-report/wb-warehouses" => seller.Stocks(body),
            "/content/v2/get/cards/list" => seller.Cards(body),
            _ => new FakeWbReply(404, """{"errors":["not found"]}"""),
        };
        if (scripted is { TruncateNormal: true } && normal.Status == 200)
            normal = normal with { Body = normal.Body[..(normal.Body.Length / 2)] };
        await WriteAsync(http, normal, "");
    }

    private static async Task WriteAsync(HttpContext http, FakeWbReply reply, string _)
    {
        http.Response.StatusCode = reply.Status;
        http.Response.ContentType = reply.ContentType;
        foreach (var (name, value) in reply.Headers ?? new Dictionary<string, string>()) http.Response.Headers[name] = value;
        await http.Response.WriteAsync(reply.Body);
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
