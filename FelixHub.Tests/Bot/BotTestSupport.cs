using System.Net;
using System.Net.Http.Json;
using FelixHub.Core.Bot;
using FelixHub.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FelixHub.Tests.Bot;

/// <summary>Settings and one-line steps for the bot tests.</summary>
public static class BotTestSupport
{
    /// <summary>Polling on, with short long polls and retries so takeovers and restarts take a second, not minutes.</summary>
    public static Dictionary<string, string?> Polling(IDictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Telegram:ReceiveUpdates"] = "true",
            ["Telegram:PollTimeoutSeconds"] = "1",
            ["Telegram:LeaderRetrySeconds"] = "0.3",
            ["Telegram:PollErrorMaxDelaySeconds"] = "0.5",
        };
        foreach (var (key, value) in more ?? new Dictionary<string, string?>()) settings[key] = value;
        return settings;
    }

    public static async Task<TelegramLinkResponse> CreateTelegramLinkAsync(this TestWorker worker, int mechanicId)
    {
        var response = await worker.Http.PostAsync($"/api/mechanics/{mechanicId}/telegram-link", null);
        response.StatusCode.Should().Be(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<TelegramLinkResponse>())!;
    }

    public static string StartParameter(string url) => new Uri(url).Query.Split("start=")[1];

    /// <summary>Waits for the bot's <paramref name="count"/>-th message to <paramref name="chatId"/> and returns it.</summary>
    public static async Task<TelegramCall> ReplyAsync(this FakeTelegramServer telegram, string chatId, int count = 1)
    {
        await Eventually.Until(() => telegram.MessagesTo(chatId).Count >= count, $"reply #{count} to chat {chatId}");
        return telegram.MessagesTo(chatId)[count - 1];
    }

    public static bool IsPolling(this TestWorker worker) => worker.Services.GetRequiredService<BotPoller>().IsPolling;

    public static Task UntilPollingAsync(this TestWorker worker) => Eventually.Until(worker.IsPolling, "the worker polling Telegram");

    /// <summary>The recorded outcome of an update, or null while it is not handled.</summary>
    public static Task<string?> OutcomeAsync(this TestWorker worker, long updateId) =>
        worker.DbAsync(db => db.Set<HandledUpdate>().Where(u => u.UpdateId == updateId).Select(u => u.Outcome).SingleOrDefaultAsync());

    public static Task UntilHandledAsync(this TestWorker worker, long updateId) =>
        Eventually.Until(async () => await worker.OutcomeAsync(updateId) is not null, $"update {updateId} handled");
}
