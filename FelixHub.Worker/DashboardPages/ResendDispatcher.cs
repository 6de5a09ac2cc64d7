using System.Globalization;
using System.Text;
using FelixHub.Core.Delivery;
using FelixHub.Worker.Api;
using Hangfire.Dashboard;
using Microsoft.AspNetCore.Antiforgery;

namespace FelixHub.Worker.DashboardPages;

/// <summary>
/// <c>POST /hangfire/messages/{id}/resend</c>, the message page's <b>Resend</b> button: sends a failed
/// message again (<see cref="DeliveryResender"/>) and logs who asked and when. POST only, with the
/// dashboard's anti-forgery token (Hangfire's own buttons send it the same way); refused (403) when the
/// dashboard is read-only.
/// </summary>
internal sealed partial class ResendDispatcher : IDashboardDispatcher
{
    public async Task Dispatch(DashboardContext context)
    {
        var http = context.GetHttpContext();
        if (!HttpMethods.IsPost(http.Request.Method))
        {
            await AnswerAsync(http, StatusCodes.Status405MethodNotAllowed, "Resend is a POST.");
            return;
        }
        if (context.IsReadOnly)
        {
            await AnswerAsync(http, StatusCodes.Status403Forbidden, "The dashboard is read-only (Dashboard:ReadOnly): messages cannot be resent from it.");
            return;
        }
        // Hangfire checks the token before any dashboard route when anti-forgery is registered; this
        // route insists on it even if that check is ever switched off.
        var antiforgery = http.RequestServices.GetService<IAntiforgery>();
        if (antiforgery is null || !await antiforgery.IsRequestValidAsync(http))
        {
            await AnswerAsync(http, StatusCodes.Status403Forbidden, "The request has no valid anti-forgery token.");
            return;
        }

        var id = long.Parse(context.UriMatch.Groups["id"].Value, CultureInfo.InvariantCulture);
        var resender = http.RequestServices.GetRequiredService<DeliveryResender>();
        var result = await resender.ResendAsync(id, http.RequestAborted);
        switch (result.Outcome)
        {
            case ResendOutcome.Resent:
                var user = Who(http);
                var at = http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
                var logger = http.RequestServices.GetRequiredService<ILogger<ResendDispatcher>>();
                LogResent(logger, id, user, at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture), result.Path ?? "", result.JobId);
                await AnswerAsync(http, StatusCodes.Status200OK, $"Message {id} is pending again ({result.Path}).");
                break;
            case ResendOutcome.NotFound:
                await AnswerAsync(http, StatusCodes.Status404NotFound, $"There is no message {id}.");
                break;
            case ResendOutcome.NoRecipient:
                await AnswerAsync(http, StatusCodes.Status409Conflict, $"Message {id} has no chat to send to.");
                break;
            default:
                await AnswerAsync(http, StatusCodes.Status409Conflict, $"Message {id} is {result.State}: only a failed message can be resent.");
                break;
        }
    }

    /// <summary>Who is asking, as the audit line names them: the basic-auth user, the API key, or the trusted network's address.</summary>
    internal static string Who(HttpContext http)
    {
        var access = http.RequestServices.GetRequiredService<AccessPolicy>();
        if (access.HasValidDashboardCredentials(http))
        {
            var header = http.Request.Headers.Authorization.ToString();
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..].Trim()));
            return decoded[..decoded.IndexOf(':', StringComparison.Ordinal)];
        }
        if (access.HasValidApiKey(http)) return "api key";
        // The client's address: a known proxy's forwarded address has been applied by then.
        var address = http.Connection.RemoteIpAddress;
        if (address is { IsIPv4MappedToIPv6: true }) address = address.MapToIPv4();
        return access.IsTrusted(http) ? $"trusted network {address}" : $"unidentified caller {address}";
    }

    private static async Task AnswerAsync(HttpContext http, int status, string text)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "text/plain; charset=utf-8";
        await http.Response.WriteAsync(text, http.RequestAborted);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Message {MessageId} resent from the dashboard by {User} at {Time} ({Path}, job {JobId})")]
    private static partial void LogResent(ILogger logger, long messageId, string user, string time, string path, string? jobId);
}
