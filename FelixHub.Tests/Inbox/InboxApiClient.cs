using System.Net.Http.Json;
using System.Text.Json.Nodes;
using FelixHub.Core.Inbox;
using FelixHub.Tests.Infrastructure;
using FelixHub.Tests.Orders;
using Microsoft.Extensions.DependencyInjection;

namespace FelixHub.Tests.Inbox;

/// <summary>What the office platform's server and the technician app do through the HTTP API.</summary>
public static class InboxApiClient
{
    public const string TokenSecret = "inbox-test-secret-0123456789-abcdefghijklmnopqrstuvwxyz";

    /// <summary>The inbox settings the inbox tests run with: two office users, tokens on, quick pings.</summary>
    public static Dictionary<string, string?> Settings(params string[] officeUsers)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Inbox:TokenSecret"] = TokenSecret,
            ["Inbox:KeepAliveIntervalSeconds"] = "1",
            ["Inbox:KeepAliveTimeoutSeconds"] = "2",
        };
        for (var i = 0; i < officeUsers.Length; i++) settings[$"Inbox:OfficeUserIds:{i}"] = officeUsers[i];
        return settings;
    }

    public static async Task<string> TokenAsync(this TestWorker worker, string userId) =>
        (await worker.PostAsync<InboxTokenResponse>("/api/inbox/tokens", new { userId })).Token;

    /// <summary>Mints a token and opens a socket for the user.</summary>
    public static async Task<InboxSocket> OpenSocketAsync(this TestWorker worker, string userId, bool read = true, int? receiveBufferBytes = null) =>
        await InboxSocket.ConnectAsync(worker, userId, await worker.TokenAsync(userId), read, receiveBufferBytes);

    /// <summary>A work order (a FelixHub order) to notify about.</summary>
    public static async Task<int> CreateWorkOrderAsync(this TestWorker worker) =>
        (await worker.CreateOrderAsync(mechanicId: null)).Id;

    public static Task<HttpResponseMessage> PostUpdateAsync(this TestWorker worker, int workOrderId, object body) =>
        worker.Http.PostAsJsonAsync($"/api/work-orders/{workOrderId}/updates", body);

    public static async Task<WorkOrderUpdateResponse> UpdateAsync(this TestWorker worker, int workOrderId, object body)
    {
        var response = await worker.PostUpdateAsync(workOrderId, body);
        response.StatusCode.Should().Be(System.Net.HttpStatusCode.Accepted);
        return (await response.Content.ReadFromJsonAsync<WorkOrderUpdateResponse>())!;
    }

    public static async Task<InboxListResponse> InboxAsync(this TestWorker worker, string userId, bool unreadOnly = false) =>
        (await worker.Http.GetFromJsonAsync<InboxListResponse>($"/api/inbox?userId={Uri.EscapeDataString(userId)}&unreadOnly={unreadOnly}"))!;

    public static async Task<int> MarkReadAsync(this TestWorker worker, Guid notificationId, string userId)
    {
        var response = await worker.Http.PostAsync($"/api/inbox/{notificationId}/read?userId={Uri.EscapeDataString(userId)}", null);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!["unreadCount"]!.GetValue<int>();
    }

    /// <summary>The backplane LISTEN is up (a NOTIFY sent before it would not reach this host's sockets).</summary>
    public static Task UntilListeningAsync(this TestWorker worker) =>
        Eventually.Until(() => worker.Services.GetRequiredService<InboxListener>().IsListening, "the inbox backplane listening");

    private static int nextUser;

    /// <summary>A user id no other test uses.</summary>
    public static string NewUser(string prefix = "tech") => $"{prefix}-{Interlocked.Increment(ref nextUser)}-{Guid.NewGuid().ToString("N")[..6]}";
}

/// <summary>A worker with two office users and socket tokens on.</summary>
public sealed class InboxFixture : WorkerFixture
{
    public const string Office1 = "office-1";
    public const string Office2 = "office-2";

    protected override IDictionary<string, string?> Overrides => InboxApiClient.Settings(Office1, Office2);
}
