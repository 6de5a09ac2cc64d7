using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace FelixHub.Core.Wildberries;

/// <summary>
/// What FelixHub can tell about a WB API key without asking WB. The key is a JWT whose payload carries
/// (WB's token documentation, "token decoding"): <c>acc</c> the token type, <c>exp</c> its expiry (Unix
/// seconds), <c>s</c> the bitmask of its API categories and options, <c>sid</c> the seller's id and
/// <c>oid</c> the seller's organisation id. The signature is WB's to check, so every claim here is what
/// the key says about itself: WB's answers have the last word.
/// </summary>
/// <param name="TokenType">The <c>acc</c> claim: 1 Base, 3 Personal, 4 Service.</param>
/// <param name="ExpiresAt">The <c>exp</c> claim.</param>
/// <param name="Scopes">The <c>s</c> bitmask; see <see cref="WbCategories"/> for its bits.</param>
/// <param name="SellerId">The <c>sid</c> claim (the seller account), when the token carries a usable one.</param>
/// <param name="OrganizationId">The <c>oid</c> claim, when the token carries a usable one.</param>
public sealed record WbApiKeyInfo(int? TokenType, DateTimeOffset? ExpiresAt, int Scopes = 0, string? SellerId = null, string? OrganizationId = null)
{
    /// <summary>Whether the token claims access to <paramref name="category"/>.</summary>
    public bool Has(WbCategory category) => (Scopes & WbCategories.Bit(category)) != 0;

    /// <summary>The categories the sync uses that the token does not claim, in the order <see cref="WbCategories.Synced"/> lists them.</summary>
    public IReadOnlyList<WbCategory> MissingSyncCategories => [.. WbCategories.Synced.Where(c => !Has(c))];

    /// <summary>Bit 30: the token may only read (all the sync does).</summary>
    public bool ReadOnly => (Scopes & (1 << WbCategories.ReadOnlyBit)) != 0;

    /// <summary>
    /// What WB counts its rate limits against: the seller account (<c>sid</c>, else the organisation
    /// <c>oid</c>), so that two keys of one seller share one budget; a token with neither counts alone.
    /// </summary>
    public string RateLimitAccount(string keyHash) =>
        SellerId is { } sid ? "sid:" + sid : OrganizationId is { } oid ? "oid:" + oid : "key:" + keyHash;
}

public static partial class WbApiKey
{
    public const int MaxLength = 4096;
    public const int BaseTokenType = 1;

    /// <summary>Checks the JWT shape, expiry and categories claim; returns the reason it is unusable, or null with <paramref name="info"/> set.</summary>
    public static string? Inspect(string key, DateTimeOffset now, out WbApiKeyInfo info)
    {
        info = new WbApiKeyInfo(null, null);
        if (key.Length > MaxLength) return $"The key is {key.Length} characters long; a Wildberries API token has at most {MaxLength}.";
        var parts = key.Split('.');
        if (parts.Length != 3 || parts.Any(p => p.Length == 0))
            return "The key is not a Wildberries API token: expected a JWT (three base64url parts separated by dots).";

        JsonElement payload;
        try
        {
            using var doc = JsonDocument.Parse(Base64UrlDecode(parts[1]));
            payload = doc.RootElement.Clone();
        }
        catch (Exception ex) when (ex is FormatException or JsonException or ArgumentException)
        {
            return "The key is not a Wildberries API token: its payload is not base64url-encoded JSON.";
        }
        if (payload.ValueKind != JsonValueKind.Object)
            return "The key is not a Wildberries API token: its payload is not a JSON object.";

        int? tokenType = payload.TryGetProperty("acc", out var acc) && acc.ValueKind == JsonValueKind.Number && acc.TryGetInt32(out var a) ? a : null;
        DateTimeOffset? expires = payload.TryGetProperty("exp", out var exp) && exp.ValueKind == JsonValueKind.Number && exp.TryGetInt64(out var e)
            && e is > 0 and < 253_402_300_800 // DateTimeOffset's range
            ? DateTimeOffset.FromUnixTimeSeconds(e)
            : null;
        int? scopes = payload.TryGetProperty("s", out var s) && s.ValueKind == JsonValueKind.Number && s.TryGetInt32(out var mask) && mask >= 0 ? mask : null;
        info = new WbApiKeyInfo(tokenType, expires, scopes ?? 0, Identifier(payload, "sid"), Identifier(payload, "oid"));
        if (expires is null) return "The key has no expiry ('exp' claim); it is not a Wildberries API token.";
        if (expires <= now) return $"The key expired on {expires:yyyy-MM-dd HH:mm} UTC; create a new one in the seller's cabinet.";
        if (scopes is null)
            return "The key's categories ('s' claim) are not a non-negative 31-bit integer, as in every Wildberries API token; copy the key again from the seller's cabinet.";
        return null;
    }

    /// <summary>Hex SHA-256 of the key: finds a cabinet by its key without storing the key in clear.</summary>
    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>A seller or organisation id claim (a UUID string or a number); anything else is ignored rather than trusted as a rate-limit key.</summary>
    private static string? Identifier(JsonElement payload, string name)
    {
        if (!payload.TryGetProperty(name, out var value)) return null;
        var text = value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number when value.TryGetInt64(out var n) && n > 0 => n.ToString(System.Globalization.CultureInfo.InvariantCulture),
            _ => null,
        };
        return text is not null && IdentifierPattern().IsMatch(text) ? text.ToLowerInvariant() : null;
    }

    [GeneratedRegex("^[A-Za-z0-9-]{1,64}$")]
    private static partial Regex IdentifierPattern();

    private static byte[] Base64UrlDecode(string text)
    {
        var s = text.Replace('-', '+').Replace('_', '/');
        s = (s.Length % 4) switch { 2 => s + "==", 3 => s + "=", 1 => throw new FormatException("Bad base64url length."), _ => s };
        return Convert.FromBase64String(s);
    }
}
