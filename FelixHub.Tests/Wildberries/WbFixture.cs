using System.Globalization;
using System.Net.Http.Json;
using FelixHub.Core.Delivery;
using FelixHub.Core.Wildberries.Cabinets;
using FelixHub.Core.Wildberries.Data;
using FelixHub.Core.Wildberries.Sync;
using FelixHub.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FelixHub.Tests.Wildberries;

/// <summary>A database, the fake Telegram and WB servers, and a worker pointed at both, for one test class.</summary>
public class WbFixture : IAsyncLifetime
{
    public FakeTelegramServer Telegram { get; private set; } = null!;
    public FakeWbServer Wb { get; private set; } = null!;
    public TestWorker Worker { get; private set; } = null!;

    /// <summary>Short everything: WB limits off, small pages so paging is exercised, fast retries.</summary>
    public static Dictionary<string, string?> Settings(FakeWbServer wb) => new()
    {
        ["Wildberries:StatisticsBaseUrl"] = wb.BaseUrl,
        ["Wildberries:FeedbacksBaseUrl"] = wb.BaseUrl,
        ["Wildberries:AnalyticsBaseUrl"] = wb.BaseUrl,
        ["Wildberries:ContentBaseUrl"] = wb.BaseUrl,
        ["Wildberries:SyncIntervalSeconds"] = "86400",
        ["Wildberries:StatisticsPageSize"] = wb.StatisticsPageSize.ToString(CultureInfo.InvariantCulture),
        // Smaller than a page: a page is written in several batches (the cursor moves with the last one).
        ["Wildberries:StatisticsWriteBatchSize"] = "2",
        ["Wildberries:FeedbacksPageSize"] = "2",
        ["Wildberries:StocksPageSize"] = "4",
        ["Wildberries:ContentPageSize"] = "2",
        ["Wildberries:ContentRefreshMinutes"] = "0",
        ["Wildberries:StatisticsIntervalSeconds"] = "0",
        ["Wildberries:BaseTokenOrdersIntervalSeconds"] = "0",
        ["Wildberries:BaseTokenSalesIntervalSeconds"] = "0",
        ["Wildberries:FeedbacksIntervalSeconds"] = "0",
        ["Wildberries:AnalyticsIntervalSeconds"] = "0",
        ["Wildberries:ContentIntervalSeconds"] = "0",
        ["Wildberries:MaxRateLimitWaitSeconds"] = "5",
        ["Wildberries:RequestTimeoutSeconds"] = "10",
        ["Wildberries:MaxRetryAttempts"] = "3",
        ["Wildberries:RetryBaseDelayMilliseconds"] = "20",
        ["Delivery:RetryBaseDelaySeconds"] = "1",
    };

    protected virtual void Configure(Dictionary<string, string?> settings)
    {
    }

    /// <summary>Service replacements for this fixture's worker (e.g. an in-memory span exporter).</summary>
    protected virtual void ConfigureServices(IServiceCollection services)
    {
    }

    public virtual Task<FakeWbServer> StartWbAsync() => FakeWbServer.StartAsync();

    public async Task InitializeAsync()
    {
        Telegram = await FakeTelegramServer.StartAsync();
        Wb = await StartWbAsync();
        var settings = Settings(Wb);
        Configure(settings);
        var database = await PostgresServer.CreateDatabaseAsync();
        Worker = await TestWorker.StartAsync(database, Telegram, settings, ConfigureServices);
    }

    public async Task DisposeAsync()
    {
        await Worker.DisposeAsync();
        await Wb.DisposeAsync();
        await Telegram.DisposeAsync();
        await PostgresServer.DropDatabaseAsync(Worker.ConnectionString);
    }
}

/// <summary>What a bot backend does through the API, and what a test needs to drive syncs, in one line per step.</summary>
public static class WbTestSteps
{
    public static long NewTelegramId() => long.Parse(TestWorker.NewChatId(), CultureInfo.InvariantCulture);

    public static Task<HttpResponseMessage> PostCabinetAsync(this TestWorker worker, long telegramId, string apiKey) =>
        worker.Http.PostAsJsonAsync("/api/cabinets", new { telegramId, apiKey });

    public static async Task<RegisterCabinetResponse> RegisterAsync(this TestWorker worker, long telegramId, FakeSeller seller)
    {
        var response = await worker.PostCabinetAsync(telegramId, seller.Token);
        response.StatusCode.Should().Be(System.Net.HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<RegisterCabinetResponse>())!;
    }

    /// <summary>Registers and waits until the initial sync has completed and its message was delivered.</summary>
    public static async Task<long> RegisterAndWaitAsync(this TestWorker worker, FakeTelegramServer telegram, long telegramId, FakeSeller seller)
    {
        var registered = await worker.RegisterAsync(telegramId, seller);
        await Eventually.Until(async () => await worker.StateAsync(registered.CabinetId) == CabinetState.Active, "the initial sync to complete", TimeSpan.FromSeconds(30));
        await Eventually.Until(() => telegram.MessagesTo(telegramId).Count >= 1, "the 'sync complete' message", TimeSpan.FromSeconds(30));
        return registered.CabinetId;
    }

    /// <summary>What WB's limits for the cabinet count against (its seller account).</summary>
    public static Task<string> RateLimitAccountAsync(this TestWorker worker, long cabinetId) =>
        worker.DbAsync(db => db.Set<WbCabinet>().Where(c => c.Id == cabinetId).Select(c => c.RateLimitAccount!).SingleAsync());

    public static Task<string> StateAsync(this TestWorker worker, long cabinetId) =>
        worker.DbAsync(db => db.Set<WbCabinet>().Where(c => c.Id == cabinetId).Select(c => c.State).SingleAsync());

    /// <summary>Runs one sync of the cabinet now (waiting out a sync another job holds), then delivers what it queued.</summary>
    public static async Task<WbSyncResult> SyncAsync(this TestWorker worker, long cabinetId, bool dispatch = true, bool waitIfSkipped = true)
    {
        var deadline = DateTime.UtcNow.AddSeconds(waitIfSkipped ? 30 : 0);
        while (true)
        {
            var result = await worker.InScopeAsync(sp => sp.GetRequiredService<WbSyncService>().SyncAsync(cabinetId, CancellationToken.None));
            if (result.Status != WbSyncStatus.Skipped || DateTime.UtcNow > deadline)
            {
                if (dispatch) await worker.DispatchAsync();
                return result;
            }
            await Task.Delay(100);
        }
    }

    /// <summary>One run of the delivery dispatcher (what the recurring job does); returns how many messages went out.</summary>
    public static async Task<int> DispatchAsync(this TestWorker worker) =>
        (await worker.InScopeAsync(sp => sp.GetRequiredService<DeliveryDispatcher>().RunAsync(CancellationToken.None))).Sent;

    public static Task PutSettingsAsync(this TestWorker worker, long telegramId, object settings) =>
        worker.Http.PutAsJsonAsync($"/api/users/{telegramId}/notification-settings", settings).ContinueWith(t => t.Result.EnsureSuccessStatusCode());

    /// <summary>What the user saw: text messages and photo captions, in order.</summary>
    public static IReadOnlyList<TelegramCall> MessagesTo(this FakeTelegramServer telegram, long telegramId)
    {
        var chat = telegramId.ToString(CultureInfo.InvariantCulture);
        return telegram.Delivered.Where(c => c.ChatId == chat).ToList();
    }

    public static string Content(this TelegramCall call) => call.Text ?? call.Body["caption"]?.ToString() ?? "";

    /// <summary>Waits for the expected number of messages, then a little longer to catch any extra one.</summary>
    public static async Task<IReadOnlyList<TelegramCall>> SettledMessagesAsync(this FakeTelegramServer telegram, long telegramId, int expected, TimeSpan? timeout = null)
    {
        await Eventually.Until(() => telegram.MessagesTo(telegramId).Count >= expected, $"{expected} messages to {telegramId}", timeout ?? TimeSpan.FromSeconds(20));
        await Task.Delay(300);
        return telegram.MessagesTo(telegramId);
    }
}
