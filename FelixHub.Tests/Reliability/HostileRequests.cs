using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace FelixHub.Tests.Reliability;

/// <summary>A valid request to an endpoint: the base every hostile variant changes in one place.</summary>
public sealed record ValidRequest(IReadOnlyDictionary<string, string> Route, IReadOnlyDictionary<string, string> Query, JsonObject? Body);

/// <summary>
/// One hostile request: a name for the report, the request, and the one status it must get, if any.
/// <see cref="RejectedByKestrel"/>: a request target Kestrel itself refuses (a NUL in the path) with a
/// bare 400 before any middleware runs, so no ProblemDetails can be written.
/// </summary>
public sealed record HostileRequest(string Name, HttpMethod Method, string Url, Func<HttpContent?> Content, HttpStatusCode? Expected = null)
{
    public bool RejectedByKestrel { get; init; }

    /// <summary>Request headers, each sent as given (no validation by the client).</summary>
    public IReadOnlyList<(string Name, string Value)> Headers { get; init; } = [];

    /// <summary>The field (or header) the 400 must name in <c>errors</c>.</summary>
    public string? MustName { get; init; }
}

/// <summary>
/// Generates the hostile variants of a valid request: every route parameter, query parameter and body
/// property replaced in turn by wrong types, extreme numbers, NUL and lone surrogates, SQL, markup and
/// huge text; and whole bodies that are oversized, not UTF-8, not JSON, or of the wrong content type.
/// </summary>
public static class HostileRequests
{
    private static readonly string LongText = new('x', 5000);

    /// <summary>JSON values put in place of each body property.</summary>
    public static readonly (string Name, string Json)[] Values =
    [
        ("null", "null"), ("true", "true"), ("false", "false"), ("0", "0"), ("-1", "-1"), ("int max + 1", "2147483648"),
        ("-2^63 - 1", "-9223372036854775809"), ("30 digits", "999999999999999999999999999999"), ("1.5", "1.5"),
        ("1e400", "1e400"), ("-0", "-0"), ("empty string", "\"\""), ("blank string", "\"   \""), ("text", "\"abc\""),
        ("numeric text", "\"12\""), ("[]", "[]"), ("[null]", "[null]"), ("[[\"x\"]]", "[[\"x\"]]"), ("{}", "{}"),
        ("nested object", "{\"a\":{\"b\":[1,2,{\"c\":null}]}}"), ("NUL", "\"a\\u0000b\""), ("lone surrogate", "\"x\\ud800y\""),
        ("reversed surrogates", "\"\\udc00\\ud800\""), ("control characters", "\"\\u0001\\u001b[31m\\u007f\\u0085\""),
        ("right-to-left override", "\"\\u202eabc\""), ("SQL", "\"'; DROP TABLE orders; --\""), ("SQL tautology", "\"1' OR '1'='1\""),
        ("HTML", "\"<b>bold</b><script>alert(1)</script><a href='javascript:x'>\""), ("Markdown", "\"_*[x](http://e.com)`~|\""),
        ("5000 characters", $"\"{LongText}\""), ("1000 emoji", "\"" + string.Concat(Enumerable.Repeat("🚗", 1000)) + "\""),
        ("[NUL]", "[\"\\u0000\"]"), ("[lone surrogate]", "[\"\\ud800\"]"), ("[SQL, HTML]", "[\"'; DROP TABLE orders; --\",\"<b>x</b>\"]"),
        ("[5000 characters]", $"[\"{LongText}\"]"), ("[1000 items]", "[" + string.Join(',', Enumerable.Repeat("\"p\"", 1000)) + "]"), ("[1]", "[1]"),
    ];

    private static readonly string[] IntLike =
        ["-1", "0", "2147483648", "99999999999999999999", "abc", "1.5", "%00", "%FF", "1%27%20OR%20%271%27%3D%271", "%2E%2E", "1e3"];

    private static readonly string[] GuidLike =
        ["not-a-guid", "00000000-0000-0000-0000-000000000000", "%00", "%FF", "%27%20OR%201%3D1--", "-1"];

    private static readonly string[] QueryValues =
        ["-1", "0", "2147483648", "99999999999999999999", "abc", "", "%00", "%FF%FE", "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
         "%27%20OR%201%3D1--", LongText, "true", "1e3", "%E2%80%AE"];

    private static readonly string[] WrongContentTypes =
        ["text/plain", "application/xml", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json-patch+json", "image/png"];

    public static IEnumerable<HostileRequest> For(ApiEndpoint endpoint, ValidRequest valid, int maxBodyBytes)
    {
        var method = new HttpMethod(endpoint.Method);
        var url = Url(endpoint, valid.Route, valid.Query);
        var body = valid.Body?.ToJsonString() ?? "{}";

        yield return new HostileRequest("valid", method, url, () => endpoint.HasBody ? Json(body) : null);

        foreach (var parameter in endpoint.RouteParameters)
        {
            foreach (var value in parameter.Constraint == "guid" ? GuidLike : IntLike)
            {
                var route = valid.Route.ToDictionary(r => r.Key, r => r.Value);
                route[parameter.Name] = value;
                yield return new HostileRequest($"route {parameter.Name}={value}", method, Url(endpoint, route, valid.Query), () => endpoint.HasBody ? Json(body) : null)
                {
                    RejectedByKestrel = value == "%00",
                };
            }
        }

        foreach (var name in endpoint.QueryParameters)
        {
            foreach (var value in QueryValues)
            {
                var query = valid.Query.ToDictionary(q => q.Key, q => q.Value);
                query[name] = value;
                yield return new HostileRequest($"query {name}={Short(value)}", method, Url(endpoint, valid.Route, query), () => endpoint.HasBody ? Json(body) : null);
            }
            yield return new HostileRequest($"query {name} twice", method, url + (url.Contains('?', StringComparison.Ordinal) ? "&" : "?") + $"{name}=1&{name}=2",
                () => endpoint.HasBody ? Json(body) : null);
        }

        yield return new HostileRequest("a method the route does not map", HttpMethod.Delete, url, () => null);

        if (!endpoint.HasBody)
        {
            yield return new HostileRequest("an unexpected body", method, url, () => Json(body + new string(' ', maxBodyBytes)));
            yield break;
        }

        foreach (var request in WholeBodies(method, url, body, endpoint, maxBodyBytes))
            yield return request;

        if (endpoint.Idempotent)
        {
            foreach (var request in IdempotencyKeys(method, url, body))
                yield return request;
        }

        foreach (var property in endpoint.BodyProperties)
        {
            // On an endpoint that takes Idempotency-Key each carries a new one: a refusal keeps no key either.
            foreach (var (name, json) in Values)
                yield return new HostileRequest($"{property.JsonName} = {name}", method, url, () => Json(With(valid.Body!, property.JsonName, json)))
                {
                    Headers = endpoint.Idempotent ? [(IdempotencyHeader, Guid.NewGuid().ToString())] : [],
                };
        }
    }

    private const string IdempotencyHeader = "Idempotency-Key";

    /// <summary>Bad <c>Idempotency-Key</c> values on a valid body: each a 400 naming the header, nothing written.</summary>
    private static IEnumerable<HostileRequest> IdempotencyKeys(HttpMethod method, string url, string body)
    {
        foreach (var (name, values) in new (string, string[])[]
        {
            ("empty", [""]), ("blank", ["   "]), ("quoted empty", ["\"\""]), ("256 characters", [new string('k', 256)]),
            ("a space inside", ["my key"]), ("a tab inside", ["my\tkey"]), ("control character", ["key\u0001"]), ("DEL", ["key\u007f"]),
            ("SQL", ["'; DROP TABLE idempotency_requests; --"]), ("two values", ["key-1", "key-2"]), ("5000 characters", [LongText]),
        })
        {
            yield return new HostileRequest($"{IdempotencyHeader} {name}", method, url, () => Json(body), HttpStatusCode.BadRequest)
            {
                Headers = values.Select(v => (IdempotencyHeader, v)).ToList(),
                MustName = IdempotencyHeader,
            };
        }
    }

    private static IEnumerable<HostileRequest> WholeBodies(HttpMethod method, string url, string body, ApiEndpoint endpoint, int maxBodyBytes)
    {
        // Whitespace is valid JSON: the reader has to go past the limit, whatever it checks first.
        var padded = "{" + new string(' ', maxBodyBytes) + body[1..];
        yield return new HostileRequest("oversized body", method, url, () => Json(padded), HttpStatusCode.RequestEntityTooLarge);
        yield return new HostileRequest("oversized chunked body", method, url, () => new ChunkedContent(Encoding.UTF8.GetBytes(padded)), HttpStatusCode.RequestEntityTooLarge);

        var text = endpoint.BodyProperties.FirstOrDefault(p => p.Type == typeof(string))?.JsonName ?? "x";
        yield return new HostileRequest("invalid UTF-8 in a string", method, url, () => Bytes([.. "{\""u8, .. Encoding.UTF8.GetBytes(text), .. "\":\"a"u8, 0xC3, 0x28, .. "\"}"u8]));
        yield return new HostileRequest("invalid UTF-8 bytes first", method, url, () => Bytes([0xFF, 0xFE, 0xFD, .. Encoding.UTF8.GetBytes(body)]));
        yield return new HostileRequest("overlong UTF-8 encoding", method, url, () => Bytes([.. "{\""u8, .. Encoding.UTF8.GetBytes(text), .. "\":\""u8, 0xC0, 0xAF, .. "\"}"u8]));
        yield return new HostileRequest("UTF-8 surrogate bytes", method, url, () => Bytes([.. "{\""u8, .. Encoding.UTF8.GetBytes(text), .. "\":\""u8, 0xED, 0xA0, 0x80, .. "\"}"u8]));
        yield return new HostileRequest("UTF-16 body", method, url, () => Bytes(Encoding.Unicode.GetBytes(body)));
        yield return new HostileRequest("UTF-8 BOM", method, url, () => Bytes([0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(body)]));
        yield return new HostileRequest("empty body", method, url, () => Bytes([]));
        foreach (var (name, raw) in new[]
        {
            ("null body", "null"), ("array body", "[]"), ("string body", "\"text\""), ("number body", "42"), ("whitespace body", "   "),
            ("truncated JSON", body[..^1]), ("two JSON documents", body + body), ("trailing garbage", body + "x"),
            ("comment", "/* c */" + body), ("trailing comma", body[..^1] + ",}"), ("single quotes", body.Replace('"', '\'')),
            ("NaN", $"{{\"{text}\":NaN}}"), ("duplicate keys", body[..^1] + (body.Length > 2 ? "," : "") + body[1..]),
            ("unknown field", body[..^1] + (body.Length > 2 ? "," : "") + "\"__proto__\":{\"admin\":true}}"),
            ("deep nesting", string.Concat(Enumerable.Repeat("{\"a\":", 200)) + "1" + new string('}', 200)),
            ("deep array", new string('[', 5000) + new string(']', 5000)),
        })
            yield return new HostileRequest(name, method, url, () => Json(raw));

        foreach (var contentType in WrongContentTypes)
            yield return new HostileRequest($"content type {contentType}", method, url, () => Bytes(Encoding.UTF8.GetBytes(body), contentType));
        yield return new HostileRequest("no content type", method, url, () => Bytes(Encoding.UTF8.GetBytes(body), contentType: null));
        yield return new HostileRequest("JSON declared Latin-1", method, url, () => Bytes(Encoding.UTF8.GetBytes(body), "application/json; charset=iso-8859-1"));
        yield return new HostileRequest("JSON declared a bogus charset", method, url, () => Bytes(Encoding.UTF8.GetBytes(body), "application/json; charset=klingon"));
    }

    /// <summary>The body with one property replaced by a raw JSON value (raw, so invalid text such as lone surrogates survives).</summary>
    private static string With(JsonObject body, string property, string json)
    {
        var rest = body.DeepClone().AsObject();
        rest.Remove(property);
        var others = rest.ToJsonString();
        return $"{{\"{property}\":{json}" + (others.Length > 2 ? "," + others[1..] : "}");
    }

    private static string Url(ApiEndpoint endpoint, IReadOnlyDictionary<string, string> route, IReadOnlyDictionary<string, string> query)
    {
        var path = endpoint.Route;
        foreach (var parameter in endpoint.RouteParameters)
        {
            var start = path.IndexOf("{" + parameter.Name, StringComparison.Ordinal);
            var end = path.IndexOf('}', start);
            path = path[..start] + route[parameter.Name] + path[(end + 1)..];
        }
        return query.Count == 0 ? path : path + "?" + string.Join('&', query.Select(q => $"{q.Key}={q.Value}"));
    }

    private static string Short(string value) => value.Length > 40 ? value[..20] + $"…({value.Length.ToString(CultureInfo.InvariantCulture)})" : value;

    private static ByteArrayContent Json(string json) => Bytes(Encoding.UTF8.GetBytes(json));

    private static ByteArrayContent Bytes(byte[] bytes, string? contentType = "application/json")
    {
        var content = new ByteArrayContent(bytes);
        if (contentType is not null) content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return content;
    }

    /// <summary>A body sent with <c>Transfer-Encoding: chunked</c> (no Content-Length), so the server only learns its size by reading.</summary>
    private sealed class ChunkedContent : HttpContent
    {
        private readonly byte[] bytes;

        public ChunkedContent(byte[] bytes)
        {
            this.bytes = bytes;
            Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            for (var i = 0; i < bytes.Length; i += 8192)
                await stream.WriteAsync(bytes.AsMemory(i, Math.Min(8192, bytes.Length - i)));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
