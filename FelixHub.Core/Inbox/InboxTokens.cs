using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace FelixHub.Core.Inbox;

public enum InboxTokenCheck
{
    Valid,
    TokensDisabled,
    Malformed,
    Expired,
    WrongSignature,
}

/// <summary>
/// Proof that a socket may act as a user: <c>v1.{expiry}.{signature}</c>, where expiry is Unix seconds
/// and the signature is base64url(HMAC-SHA256(<c>Inbox:TokenSecret</c>, <c>"{userId}\n{expiry}"</c>)).
/// A trusted front-end server mints one per user with <c>POST /api/inbox/tokens</c> (behind the API
/// key) and hands it to the browser, which opens <c>/ws?userId=...&amp;token=...</c>.
/// </summary>
public sealed class InboxTokens(IOptionsMonitor<InboxOptions> options, TimeProvider time)
{
    private const string Version = "v1";

    public bool Enabled => options.CurrentValue.TokensEnabled;

    public InboxTokenResponse Mint(string userId)
    {
        var o = options.CurrentValue;
        if (!o.TokensEnabled) throw new InvalidOperationException("Inbox:TokenSecret is not configured.");
        var expiresAt = DateTimeOffset.FromUnixTimeSeconds(time.GetUtcNow().AddMinutes(o.TokenLifetimeMinutes).ToUnixTimeSeconds());
        var expiry = expiresAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return new InboxTokenResponse(userId, $"{Version}.{expiry}.{Sign(o.TokenSecret, userId, expiry)}", expiresAt);
    }

    public InboxTokenCheck Check(string userId, string? token)
    {
        var o = options.CurrentValue;
        if (!o.TokensEnabled) return InboxTokenCheck.TokensDisabled;
        var parts = (token ?? "").Split('.');
        if (parts.Length != 3 || parts[0] != Version
            || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var expiry)
            || parts[1] != expiry.ToString(CultureInfo.InvariantCulture))
            return InboxTokenCheck.Malformed;

        var expected = Encoding.ASCII.GetBytes(Sign(o.TokenSecret, userId, parts[1]));
        if (!CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(parts[2])))
            return InboxTokenCheck.WrongSignature;
        return time.GetUtcNow().ToUnixTimeSeconds() < expiry ? InboxTokenCheck.Valid : InboxTokenCheck.Expired;
    }

    private static string Sign(string secret, string userId, string expiry) =>
        Base64Url.EncodeToString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(userId + "\n" + expiry)));
}
