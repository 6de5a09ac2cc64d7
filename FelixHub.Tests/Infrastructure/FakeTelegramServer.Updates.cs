using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace FelixHub.Tests.Infrastructure;

/// <summary>The user's side of the fake Bot API: updates served by getUpdates, and the bot-management methods.</summary>
public sealed partial class FakeTelegramServer
{
    private readonly object updatesLock = new();
    private readonly List<JsonObject> pendingUpdates = [];
    private readonly List<JsonObject> servedAgain = [];
    private readonly Dictionary<long, JsonObject> everyUpdate = [];
    private TaskCompletionSource updatesArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long nextUpdateId = 1000;
    private int getUpdatesInFlight;
    private int maxGetUpdatesInFlight;

    /// <summary>The bot's username that getMe reports.</summary>
    public string BotUsername { get; set; } = "felixhub_test_bot";

    /// <summary>The longest a getUpdates call is held open, whatever timeout it asks for (keeps tests quick).</summary>
    public TimeSpan MaxLongPoll { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The most getUpdates calls that were ever open at the same time (one poller: 1).</summary>
    public int MaxConcurrentGetUpdates => Volatile.Read(ref maxGetUpdatesInFlight);

    public void ResetConcurrentGetUpdates() => Interlocked.Exchange(ref maxGetUpdatesInFlight, Volatile.Read(ref getUpdatesInFlight));

    public IReadOnlyList<TelegramCall> CallsOf(string method) => Calls.Where(c => c.Method == method).ToList();

    /// <summary>The bot's messages to one chat that Telegram accepted.</summary>
    public IReadOnlyList<TelegramCall> MessagesTo(string chatId) =>
        Delivered.Where(c => c.Method == "sendMessage" && c.ChatId == chatId).ToList();

    /// <summary>Queues an update (its <c>update_id</c> is assigned when missing) and returns its id.</summary>
    public long PushUpdate(JsonObject update)
    {
        lock (updatesLock)
        {
            var id = update["update_id"]?.GetValue<long>() ?? ++nextUpdateId;
            nextUpdateId = Math.Max(nextUpdateId, id);
            update["update_id"] = id;
            pendingUpdates.Add(update);
            everyUpdate[id] = update;
            Signal();
            return id;
        }
    }

    /// <summary>A user writes <paramref name="text"/> to the bot in <paramref name="chatId"/> (private chat: the user's id).</summary>
    public long PushMessage(string chatId, string text, string chatType = "private") =>
        PushUpdate(MessageUpdate(chatId, text, chatType));

    /// <summary>
    /// A user presses an inline button with <paramref name="data"/> under bot message <paramref name="messageId"/> in
    /// <paramref name="chatId"/>; the user is the chat's owner unless <paramref name="fromId"/> says otherwise.
    /// </summary>
    public long PushCallbackQuery(string chatId, string data, int messageId = 1, string? fromId = null) =>
        PushUpdate(CallbackQueryUpdate(chatId, data, messageId, fromId));

    /// <summary>The JSON of a button press (its callback query id is <c>callback_query.id</c>).</summary>
    public static JsonObject CallbackQueryUpdate(string chatId, string data, int messageId = 1, string? fromId = null)
    {
        var chat = long.Parse(chatId, System.Globalization.CultureInfo.InvariantCulture);
        return new JsonObject
        {
            ["callback_query"] = new JsonObject
            {
                ["id"] = Guid.NewGuid().ToString("N"),
                ["from"] = User(fromId is null ? chat : long.Parse(fromId, System.Globalization.CultureInfo.InvariantCulture)),
                ["chat_instance"] = "ci-" + chatId,
                ["data"] = data,
                ["message"] = new JsonObject
                {
                    ["message_id"] = messageId,
                    ["date"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
                    ["chat"] = new JsonObject { ["id"] = chat, ["type"] = "private" },
                    ["text"] = "menu",
                },
            },
        };
    }

    /// <summary>The JSON of a text-message update, as Telegram sends it (no update_id: the caller or PushUpdate sets it).</summary>
    public static JsonObject MessageUpdate(string chatId, string text, string chatType = "private")
    {
        var chat = long.Parse(chatId, System.Globalization.CultureInfo.InvariantCulture);
        var message = new JsonObject
        {
            ["message_id"] = Random.Shared.Next(1, int.MaxValue),
            ["date"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            ["chat"] = chatType == "private"
                ? new JsonObject { ["id"] = chat, ["type"] = "private", ["first_name"] = "Test" }
                : new JsonObject { ["id"] = chat, ["type"] = chatType, ["title"] = "Group" },
            ["from"] = User(chatType == "private" ? chat : 424242),
            ["text"] = text,
        };
        if (text.StartsWith('/'))
        {
            var length = text.IndexOf(' ', StringComparison.Ordinal) is var space and >= 0 ? space : text.Length;
            message["entities"] = new JsonArray(new JsonObject { ["type"] = "bot_command", ["offset"] = 0, ["length"] = length });
        }
        return new JsonObject { ["message"] = message };
    }

    /// <summary>
    /// Serves these updates once more at the next getUpdates, whatever offset it confirms: what Telegram
    /// does when a poller died before confirming them.
    /// </summary>
    public void ServeAgain(params long[] updateIds)
    {
        lock (updatesLock)
        {
            foreach (var id in updateIds) servedAgain.Add(everyUpdate[id]);
            Signal();
        }
    }

    /// <summary>Updates pushed and not yet confirmed by an offset.</summary>
    public int PendingUpdates
    {
        get
        {
            lock (updatesLock) return pendingUpdates.Count;
        }
    }

    private static JsonObject User(long id) => new() { ["id"] = id, ["is_bot"] = false, ["first_name"] = "Test", ["username"] = "user" + id };

    private void Signal()
    {
        updatesArrived.TrySetResult();
        updatesArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>Answers the methods that do not send messages; false for the ones that do (they get a Message).</summary>
    private async Task<bool> AnswerBotMethodAsync(HttpContext http, TelegramCall call)
    {
        JsonNode? result;
        switch (call.Method)
        {
            case "getUpdates":
                result = await GetUpdatesAsync(call.Body, http.RequestAborted);
                break;
            case "getMe":
                result = new JsonObject { ["id"] = 123456, ["is_bot"] = true, ["first_name"] = "FelixHub", ["username"] = BotUsername };
                break;
            case "setWebhook" or "deleteWebhook" or "answerCallbackQuery" or "deleteMessage" or "setMyCommands":
                result = true;
                break;
            case "editMessageReplyMarkup" or "editMessageText":
                // Telegram answers an edit with the edited message.
                result = new JsonObject
                {
                    ["message_id"] = call.Body["message_id"]?.DeepClone(),
                    ["date"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
                    ["chat"] = new JsonObject { ["id"] = long.TryParse(call.ChatId, out var chat) ? chat : 0, ["type"] = "private" },
                    ["text"] = call.Text ?? "menu",
                    ["reply_markup"] = call.Body["reply_markup"]?.DeepClone(),
                };
                break;
            default:
                return false;
        }
        await http.Response.WriteAsJsonAsync(new JsonObject { ["ok"] = true, ["result"] = result });
        return true;
    }

    private async Task<JsonArray> GetUpdatesAsync(JsonObject body, CancellationToken aborted)
    {
        var inFlight = Interlocked.Increment(ref getUpdatesInFlight);
        try
        {
            int seen;
            do
            {
                seen = maxGetUpdatesInFlight;
            }
            while (inFlight > seen && Interlocked.CompareExchange(ref maxGetUpdatesInFlight, inFlight, seen) != seen);

            var offset = body["offset"]?.GetValue<long>();
            var limit = body["limit"]?.GetValue<int>() ?? 100;
            var timeout = TimeSpan.FromSeconds(body["timeout"]?.GetValue<int>() ?? 0);
            var deadline = DateTime.UtcNow + (timeout < MaxLongPoll ? timeout : MaxLongPoll);
            while (true)
            {
                Task arrived;
                lock (updatesLock)
                {
                    if (offset is long confirmed) pendingUpdates.RemoveAll(u => u["update_id"]!.GetValue<long>() < confirmed);
                    var batch = servedAgain.Concat(pendingUpdates).Take(limit).Select(u => u.DeepClone()).ToArray();
                    servedAgain.Clear();
                    if (batch.Length > 0) return new JsonArray(batch);
                    arrived = updatesArrived.Task;
                }
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero) return [];
                try
                {
                    await arrived.WaitAsync(left, aborted);
                }
                catch (TimeoutException)
                {
                    return [];
                }
            }
        }
        finally
        {
            Interlocked.Decrement(ref getUpdatesInFlight);
        }
    }
}
