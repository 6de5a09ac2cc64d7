using System.Security.Cryptography;
using System.Text;
using FelixHub.Core.Inbox;
using FelixHub.Worker.Api;

namespace FelixHub.Worker.Inbox;

/// <summary>
/// Who may open <c>/ws?userId=X</c>: whoever proves X.
/// <list type="bullet">
/// <item>the API key (<c>Api:Key</c>) as <c>X-Api-Key</c> or <c>?apiKey=</c>: a trusted front-end server acting for any user;</item>
/// <item>a token for X (<c>?token=</c>, see <see cref="InboxTokens"/>): a browser;</item>
/// <item>with neither an API key nor a token secret configured: callers from the trusted networks, as <c>/api</c>.</item>
/// </list>
/// A wrong key or token is refused even when another way would have been open.
/// </summary>
internal static class InboxSocketAccess
{
    public const string ApiKeyQuery = "apiKey";
    public const string TokenQuery = "token";

    /// <summary>Null when the caller may connect as <paramref name="userId"/>; otherwise why not (status, reason).</summary>
    public static (int Status, string Reason)? Check(HttpContext http, string userId, ApiOptions api, AccessPolicy access, InboxTokens tokens)
    {
        var request = http.Request;
        var givenKey = request.Headers[AccessPolicy.ApiKeyHeader].ToString();
        if (givenKey.Length == 0) givenKey = request.Query[ApiKeyQuery].ToString();
        if (givenKey.Length > 0)
        {
            return api.Key.Length > 0 && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(givenKey), Encoding.UTF8.GetBytes(api.Key))
                ? null
                : (StatusCodes.Status401Unauthorized, "The API key is wrong.");
        }

        var token = request.Query[TokenQuery].ToString();
        if (token.Length > 0)
        {
            return tokens.Check(userId, token) switch
            {
                InboxTokenCheck.Valid => null,
                InboxTokenCheck.TokensDisabled => (StatusCodes.Status401Unauthorized, "Socket tokens are not enabled (Inbox:TokenSecret is empty)."),
                InboxTokenCheck.Expired => (StatusCodes.Status401Unauthorized, "The token has expired."),
                _ => (StatusCodes.Status401Unauthorized, "The token is not valid for this user."),
            };
        }

        if (api.Key.Length == 0 && !tokens.Enabled)
        {
            return access.IsTrusted(http)
                ? null
                : (StatusCodes.Status403Forbidden, AccessPolicy.Refusal(http, "Neither Api:Key nor Inbox:TokenSecret is configured, so sockets are open to trusted networks (Api:TrustedNetworks, loopback by default) only."));
        }
        return (StatusCodes.Status401Unauthorized, $"A token (?{TokenQuery}=) for this user or the API key is required.");
    }
}
