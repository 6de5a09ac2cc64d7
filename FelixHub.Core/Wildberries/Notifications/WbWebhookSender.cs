using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FelixHub.Core.Telegram;
using Microsoft.Extensions.Options;

namespace FelixHub.Core.Wildberries.Notifications;

/// <summary>What a bot's webhook receives for each WB notification (snake_case JSON) — the same content a Telegram send carries.</summary>
public sealed record WbWebhookPayload(string EventKey, string EventType, long TelegramId, long CabinetId, string Text, string? PhotoUrl);

/// <summary>
/// Seed 003's delivery to a separate bot: when <c>Wildberries:WebhookUrl</c> is set, each outbox row is
/// POSTed there as JSON instead of being sent to Telegram. The body is signed:
/// <c>X-FelixHub-Signature: sha256=hex(HMAC-SHA256(WebhookSecret, "{X-FelixHub-Timestamp}." + body))</c>,
/// so the bot can check the sender and refuse replays. Answers map to the sender's outcomes: 2xx sent,
/// 408/429/5xx and network failures transient (retried by the outbox), other 4xx permanent.
/// </summary>
public sealed class WbWebhookSender(IHttpClientFactory httpClientFactory, IOptionsMonitor<WildberriesOptions> options, TimeProvider time)
{
    public const string HttpClientName = "wb-webhook";
    public const string SignatureHeader = "X-FelixHub-Signature";
    public const string TimestampHeader = "X-FelixHub-Timestamp";

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public bool IsEnabled => !string.IsNullOrWhiteSpace(options.CurrentValue.WebhookUrl);

    public static string Sign(string secret, string timestamp, byte[] body)
    {
        var signed = Encoding.UTF8.GetBytes(timestamp + ".").Concat(body).ToArray();
        return "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed));
    }

    public async Task<TelegramSendResult> SendAsync(WbWebhookPayload payload, CancellationToken cancellationToken)
    {
        var o = options.CurrentValue;
        var body = JsonSerializer.SerializeToUtf8Bytes(payload, Json);
        var timestamp = time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        using var request = new HttpRequestMessage(HttpMethod.Post, o.WebhookUrl) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json") { CharSet = "utf-8" };
        request.Headers.Add(TimestampHeader, timestamp);
        request.Headers.Add(SignatureHeader, Sign(o.WebhookSecret, timestamp, body));
        try
        {
            using var response = await httpClientFactory.CreateClient(HttpClientName).SendAsync(request, cancellationToken);
            var code = (int)response.StatusCode;
            if (response.IsSuccessStatusCode) return TelegramSendResult.Sent(0);
            var error = $"Webhook answered {code} {response.ReasonPhrase}";
            return response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || code >= 500
                ? new TelegramSendResult(TelegramSendStatus.TransientFailure, error, code)
                : new TelegramSendResult(TelegramSendStatus.PermanentFailure, error, code);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new TelegramSendResult(TelegramSendStatus.TransientFailure, "Webhook unreachable: " + ex.Message);
        }
    }
}
