using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace FelixHub.Core.Wildberries;

/// <summary>What FelixHub can tell about a WB API key without asking WB: it is a JWT whose <c>acc</c> claim is the token type and <c>exp</c> its expiry.</summary>
public sealed record WbApiKeyInfo(int? TokenType, DateTimeOffset? ExpiresAt);

public static class WbApiKey
{
    public const int MaxLength = 4096;
    public const int BaseTokenType = 1;

    /// <summary>Checks the JWT shape and expiry; returns the reason it is unusable, or null with <paramref name="info"/> set.</summary>
    public static string? Inspect(string key, DateTimeOffset now, out WbApiKeyInfo info)
    {
        info = new WbApiKeyInfo(null, null);
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
            ? DateTimeOffset.FromUnixTimeSeconds(e)
            : null;
        info = new WbApiKeyInfo(tokenType, expires);
        if (expires is null) return "The key has no expiry ('exp' claim); it is not a Wildberries API token.";
        if (expires <= now) return $"The key expired on {expires:yyyy-MM-dd HH:mm} UTC; create a new one in the seller's cabinet.";
        return null;
    }

    /// <summary>Hex SHA-256 of the key: finds a cabinet by its key without storing the key in clear.</summary>
    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    private static byte[] Base64UrlDecode(string text)
    {
        var s = text.Replace('-', '+').Replace('_', '/');
        s = (s.Length % 4) switch { 2 => s + "==", 3 => s + "=", 1 => throw new FormatException("Bad base64url length."), _ => s };
        return Convert.FromBase64String(s);
    }
}
