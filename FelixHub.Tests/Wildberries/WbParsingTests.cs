using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using FelixHub.Core.Wildberries;
using FelixHub.Core.Wildberries.Api;
using FelixHub.Core.Wildberries.Notifications;

namespace FelixHub.Tests.Wildberries;

/// <summary>WB's formats, read the tolerant way: Moscow times without offset, variable fractions, "none" dates, decimal money, error bodies.</summary>
public sealed class WbParsingTests
{
    [Theory]
    [InlineData("2026-03-10T12:00:00", "2026-03-10T09:00:00.0000000+00:00")]
    [InlineData("2026-03-10T12:00:00.5", "2026-03-10T09:00:00.5000000+00:00")]
    [InlineData("2026-03-10T12:00:00.123456", "2026-03-10T09:00:00.1234560+00:00")]
    [InlineData("2026-03-10T02:30:00.1234567891", "2026-03-09T23:30:00.1234567+00:00")]
    [InlineData("2026-03-10T12:00:00+03:00", "2026-03-10T09:00:00.0000000+00:00")]
    [InlineData("2026-03-10T09:00:00Z", "2026-03-10T09:00:00.0000000+00:00")]
    [InlineData("2026-03-10", "2026-03-09T21:00:00.0000000+00:00")]
    [InlineData("2024-02-29T01:00:00.07", "2024-02-28T22:00:00.0700000+00:00")]
    [InlineData("2026-12-31T23:59:59.9999999", "2026-12-31T20:59:59.9999999+00:00")]
    [InlineData(" 2026-03-10T12:00:00 ", "2026-03-10T09:00:00.0000000+00:00")]
    public void Dates_without_offset_are_Moscow_time_and_are_kept_as_UTC(string raw, string utc)
    {
        var date = WbDate.Parse(raw);

        date.Raw.Should().Be(raw, "the raw text goes back to WB verbatim as the next dateFrom");
        date.Utc!.Value.ToString("O").Should().Be(utc);
    }

    [Theory]
    [InlineData("0001-01-01T00:00:00")]
    [InlineData("0001-01-01T00:00:00.000")]
    [InlineData("")]
    public void The_zero_date_means_none(string raw)
    {
        WbDate.Parse(raw).Utc.Should().BeNull();
    }

    [Fact]
    public void A_UTC_instant_goes_to_WB_as_Moscow_wall_clock_time()
    {
        WbDate.ToMoscowText(new DateTimeOffset(2026, 3, 3, 21, 30, 15, TimeSpan.Zero)).Should().Be("2026-03-04T00:30:15");
        WbMessages.Moscow(new DateTimeOffset(2026, 3, 3, 21, 30, 15, TimeSpan.Zero)).Should().Be("04.03.2026 00:30 МСК");
    }

    [Fact]
    public void A_statistics_row_reads_money_exactly_and_field_names_in_any_case()
    {
        var json = """
            [{"date":"2026-03-10T12:00:00.15","lastChangeDate":"2026-03-10T12:05:01.1","nmId":"123","forPay":1284.01,
              "priceWithDisc":null,"saleID":"S9876","totalPrice":"1500.50","unknownField":{"x":1},"srid":"s1"}]
            """;

        var row = JsonSerializer.Deserialize<List<WbSaleRow>>(json, WbJson.Options)!.Single();

        row.ForPay.Should().Be(1284.01m);
        row.PriceWithDisc.Should().Be(0m);
        row.TotalPrice.Should().Be(1500.50m);
        row.NmId.Should().Be(123);
        row.SaleId.Should().Be("S9876");
        row.LastChangeDate.Raw.Should().Be("2026-03-10T12:05:01.1");
    }

    [Fact]
    public void A_truncated_body_is_a_read_error_not_an_empty_page()
    {
        var act = () => JsonSerializer.Deserialize<List<WbOrderRow>>("""[{"srid":"a","date":"2026-03-10T12:00:00"},{"srid":""", WbJson.Options);

        act.Should().Throw<JsonException>();
    }

    [Theory]
    [InlineData("""{"errors":["dateFrom: bad","flag: bad"]}""", "dateFrom: bad; flag: bad")]
    [InlineData("""{"errors":"Invalid dateFrom"}""", "Invalid dateFrom")]
    [InlineData("""{"title":"unauthorized","detail":"token expired","status":401}""", "unauthorized; token expired")]
    [InlineData("""{"data":null,"error":true,"errorText":"Ошибка"}""", "Ошибка")]
    [InlineData("<html>bad gateway</html>", "<html>bad gateway</html>")]
    [InlineData("", "(empty body)")]
    public void WB_error_bodies_of_every_shape_give_a_readable_reason(string body, string reason)
    {
        WbErrors.Describe(body).Should().Be(reason);
    }

    [Fact]
    public void The_wait_after_a_429_comes_from_X_Ratelimit_Retry_then_Retry_After()
    {
        var now = DateTimeOffset.UtcNow;
        using var both = new HttpResponseMessage();
        both.Headers.Add("X-Ratelimit-Retry", "7");
        both.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(60));
        WbErrors.RetryAfter(both.Headers, now).Should().Be(TimeSpan.FromSeconds(7));

        using var retryAfter = new HttpResponseMessage();
        retryAfter.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(42));
        WbErrors.RetryAfter(retryAfter.Headers, now).Should().Be(TimeSpan.FromSeconds(42));

        using var none = new HttpResponseMessage();
        WbErrors.RetryAfter(none.Headers, now).Should().BeNull();
    }

    [Theory]
    [InlineData(180, "*/3 * * * *")]
    [InlineData(60, "* * * * *")]
    [InlineData(30, "*/30 * * * * *")]
    [InlineData(1, "*/1 * * * * *")]
    [InlineData(3600, "0 * * * *")]
    [InlineData(7200, "0 */2 * * *")]
    [InlineData(86400, "0 0 * * *")]
    [InlineData(90, null)]
    [InlineData(7, null)]
    [InlineData(0, null)]
    [InlineData(-180, null)]
    public void SYNC_INTERVAL_becomes_a_cron_only_when_a_cron_can_express_it(int seconds, string? cron)
    {
        SyncSchedule.CronFor(seconds).Should().Be(cron);
    }

    [Fact]
    public void A_token_is_read_for_its_type_and_expiry()
    {
        var expires = DateTimeOffset.UtcNow.AddDays(30);
        var token = FakeWbServer.Jwt(new JsonObject { ["acc"] = 1, ["exp"] = expires.ToUnixTimeSeconds(), ["s"] = FakeWbServer.AllFour });

        WbApiKey.Inspect(token, DateTimeOffset.UtcNow, out var info).Should().BeNull();

        info.TokenType.Should().Be(WbApiKey.BaseTokenType);
        info.ExpiresAt.Should().Be(DateTimeOffset.FromUnixTimeSeconds(expires.ToUnixTimeSeconds()));
        WbApiKey.Hash(token).Should().MatchRegex("^[0-9a-f]{64}$");
    }

    [Fact]
    public void A_Base_token_gets_WBs_stricter_statistics_limits()
    {
        var options = new WildberriesOptions();
        WbEndpoint.IntervalFor(WbEndpoint.Orders, WbApiKey.BaseTokenType, options).Should().Be(TimeSpan.FromHours(3));
        WbEndpoint.IntervalFor(WbEndpoint.Sales, WbApiKey.BaseTokenType, options).Should().Be(TimeSpan.FromHours(2));
        WbEndpoint.IntervalFor(WbEndpoint.Orders, 3, options).Should().Be(TimeSpan.FromMinutes(1));
        WbEndpoint.IntervalFor(WbEndpoint.Stocks, 3, options).Should().Be(TimeSpan.FromSeconds(20));
    }

    [Theory]
    [InlineData("1284.01", "1 284,01 ₽")]
    [InlineData("1500", "1 500 ₽")]
    [InlineData("0.5", "0,50 ₽")]
    [InlineData("1234567.8", "1 234 567,80 ₽")]
    public void Money_is_written_the_Russian_way(string amount, string text)
    {
        WbMessages.Rub(decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture)).Should().Be(text);
    }
}
