using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace FelixHub.Tests.Infrastructure;

/// <summary>One Bot API call as the fake server received it.</summary>
public sealed record TelegramCall(string Method, string? ChatId, string? Text, string? ParseMode, DateTimeOffset At, JsonObject Body);

/// <summary>What the fake answers instead of success: an error code (with retry_after for 429) and/or a delay.</summary>
public sealed record FakeReply(int StatusCode, string Description = "error", int? RetryAfter = null, TimeSpan Delay = default)
{
    public static FakeReply Blocked => new(403, "Forbidden: bot was blocked by the user");
    public static FakeReply ChatNotFound => new(400, "Bad Request: chat not found");
    public static FakeReply ServerError => new(500, "Internal Server Error");
    public static FakeReply BadGateway => new(502, "Bad Gateway");
    public static FakeReply TooManyRequests(int retryAfter) => new(429, $"Too Many Requests: retry after {retryAfter}", retryAfter);
}

/// <summary>
/// A Telegram Bot API stand-in on 127.0.0.1 that the real Telegram.Bot client talks HTTP to. It checks
/// the token, records every call, and can be scripted per call (errors, 429 with retry_after, delays).
/// It also plays the user's side: updates pushed with <see cref="PushUpdate"/> (or
/// <see cref="PushMessage"/>, <see cref="PushCallbackQuery"/>) are served by <c>getUpdates</c> like
/// Telegram does (long poll, <c>offset</c> confirms and forgets), and <c>getMe</c>, <c>setWebhook</c>,
/// <c>deleteWebhook</c>, <c>answerCallbackQuery</c>, <c>deleteMessage</c>, <c>editMessageReplyMarkup</c> and
/// <c>editMessageText</c> answer as Telegram would (every call recorded, keyboards in <see cref="TelegramCall.Body"/>).
/// </summary>
public sealed partial class FakeTelegramServer : IAsyncDisposable
{
    public const string Token = "123456:AAH-test-token-SECRET-do-not-log";

    private readonly WebApplication app;
    private readonly ConcurrentQueue<TelegramCall> calls = new();
    private volatile Func<TelegramCall, FakeReply?> script = _ => null;
    private int nextMessageId;

    private FakeTelegramServer(WebApplication app) => this.app = app;

    public string BaseUrl { get; private set; } = "";

    public IReadOnlyList<TelegramCall> Calls => calls.ToArray();

    /// <summary>The messages Telegram accepted (what a user would see).</summary>
    public IReadOnlyList<TelegramCall> Delivered => deliveredQueue.ToArray();

    private readonly ConcurrentQueue<TelegramCall> deliveredQueue = new();

    private readonly ConcurrentDictionary<TelegramCall, int> messageIds = new(ReferenceEqualityComparer.Instance);

    /// <summary>The message id the fake gave a message it accepted (what a button press or an edit refers to).</summary>
    public int MessageIdOf(TelegramCall call) => messageIds[call];

    public static async Task<FakeTelegramServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new FakeTelegramServer(app);
        app.MapPost("/bot{token}/{method}", server.HandleAsync);
        await app.StartAsync();
        server.BaseUrl = app.Urls.First();
        return server;
    }

    /// <summary>Decides the answer to each call: null means success.</summary>
    public void Respond(Func<TelegramCall, FakeReply?> decide) => script = decide;

    /// <summary>The next <paramref name="count"/> calls get <paramref name="reply"/>, then success.</summary>
    public void FailNext(int count, FakeReply reply)
    {
        var left = count;
        Respond(_ => Interlocked.Decrement(ref left) >= 0 ? reply : null);
    }

    public void Reset() => script = _ => null;

    /// <summary>
    /// Record a successful message as delivered as soon as it arrives, before any scripted delay: like
    /// Telegram accepting a message whose answer never reaches the sender (it died, or timed out).
    /// Default: delivered once the answer has been written.
    /// </summary>
    public bool DeliverOnArrival { get; set; }

    private int inFlight;

    /// <summary>Calls received and not yet answered.</summary>
    public int InFlight => Volatile.Read(ref inFlight);

    private readonly object limitsLock = new();
    private readonly Queue<DateTimeOffset> acceptedWindow = new();
    private readonly Dictionary<string, DateTimeOffset> lastAcceptedPerChat = new(StringComparer.Ordinal);
    private (int PerSecond, TimeSpan PerChat)? limits;
    private int tooManyRequests;
    private readonly System.Collections.Concurrent.ConcurrentQueue<DateTimeOffset> tooManyRequestsAt = new();

    /// <summary>Answer like Telegram beyond its limits: 429 with retry_after past <paramref name="perSecond"/> calls in any second, or a chat called again within <paramref name="perChat"/>.</summary>
    public void EnforceLimits(int perSecond = 30, TimeSpan? perChat = null) => limits = (perSecond, perChat ?? TimeSpan.FromSeconds(1));

    /// <summary>How many 429s the enforced limits produced.</summary>
    public int TooManyRequests => Volatile.Read(ref tooManyRequests);

    /// <summary>When each of those 429s was answered (the benchmark's per-second charts).</summary>
    public IReadOnlyCollection<DateTimeOffset> TooManyRequestsAt => tooManyRequestsAt.ToArray();

    private FakeReply? CheckLimits(TelegramCall call)
    {
        if (limits is not { } l) return null;
        lock (limitsLock)
        {
            var now = call.At;
            while (acceptedWindow.Count > 0 && now - acceptedWindow.Peek() >= TimeSpan.FromSeconds(1)) acceptedWindow.Dequeue();
            var chatTooSoon = call.ChatId is { } chat && lastAcceptedPerChat.TryGetValue(chat, out var last) && now - last < l.PerChat;
            if (acceptedWindow.Count >= l.PerSecond || chatTooSoon)
            {
                Interlocked.Increment(ref tooManyRequests);
                tooManyRequestsAt.Enqueue(now);
                return FakeReply.TooManyRequests(1);
            }
            acceptedWindow.Enqueue(now);
            if (call.ChatId is { } c) lastAcceptedPerChat[c] = now;
            return null;
        }
    }

    private async Task HandleAsync(HttpContext http, string token, string method)
    {
        JsonObject body;
        if (http.Request.HasFormContentType)
        {
            var form = await http.Request.ReadFormAsync();
            body = new JsonObject();
            foreach (var (key, value) in form) body[key] = value.ToString();
        }
        else
        {
            // Parameterless methods (getMe, deleteWebhook) may come without a body.
            using var reader = new StreamReader(http.Request.Body);
            var text = await reader.ReadToEndAsync();
            body = string.IsNullOrWhiteSpace(text) ? new JsonObject() : JsonNode.Parse(text)?.AsObject() ?? new JsonObject();
        }

        if (token != Token)
        {
            await WriteErrorAsync(http, new FakeReply(401, "Unauthorized"));
            return;
        }

        var call = new TelegramCall(method, body["chat_id"]?.ToString(), body["text"]?.ToString(), body["parse_mode"]?.ToString(), DateTimeOffset.UtcNow, body);
        calls.Enqueue(call);
        Interlocked.Increment(ref inFlight);
        try
        {
            await AnswerAsync(http, call);
        }
        finally
        {
            Interlocked.Decrement(ref inFlight);
        }
    }

    private async Task AnswerAsync(HttpContext http, TelegramCall call)
    {
        var reply = script(call) ?? (call.ChatId is null ? null : CheckLimits(call));
        var accepted = reply is null or { StatusCode: 200 };
        if (accepted && DeliverOnArrival && call.ChatId is not null) deliveredQueue.Enqueue(call);
        if (reply is { Delay: var delay } && delay > TimeSpan.Zero)
            await Task.Delay(delay, http.RequestAborted);
        if (reply is { StatusCode: not 200 })
        {
            await WriteErrorAsync(http, reply);
            return;
        }

        if (await AnswerBotMethodAsync(http, call)) return;
        if (!DeliverOnArrival) deliveredQueue.Enqueue(call);
        var chatId = long.TryParse(call.ChatId, out var id) ? id : 0;
        var messageId = Interlocked.Increment(ref nextMessageId);
        messageIds[call] = messageId;
        var result = new JsonObject
        {
            ["message_id"] = messageId,
            ["date"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            ["chat"] = new JsonObject { ["id"] = chatId, ["type"] = "private" },
            ["text"] = call.Text,
        };
        await http.Response.WriteAsJsonAsync(new JsonObject { ["ok"] = true, ["result"] = result });
    }

    private static Task WriteErrorAsync(HttpContext http, FakeReply reply)
    {
        http.Response.StatusCode = reply.StatusCode;
        var error = new JsonObject { ["ok"] = false, ["error_code"] = reply.StatusCode, ["description"] = reply.Description };
        if (reply.RetryAfter is int retryAfter) error["parameters"] = new JsonObject { ["retry_after"] = retryAfter };
        return http.Response.WriteAsync(error.ToJsonString(), http.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
