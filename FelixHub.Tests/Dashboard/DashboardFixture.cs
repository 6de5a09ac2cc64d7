using FelixHub.Tests.Infrastructure;

namespace FelixHub.Tests.Dashboard;

/// <summary>A worker on a database with <see cref="DashboardSampleData"/> in it, and a headless Chromium to look at its dashboard.</summary>
public class DashboardFixture : IAsyncLifetime
{
    public FakeTelegramServer Telegram { get; private set; } = null!;
    public TestWorker Worker { get; private set; } = null!;
    public DashboardSample Sample { get; private set; } = null!;
    public HeadlessChromium Chromium { get; private set; } = null!;

    /// <summary>Where the dashboard is, e.g. <c>http://127.0.0.1:PORT/hangfire</c>.</summary>
    public string Dashboard => Worker.Http.BaseAddress!.ToString().TrimEnd('/') + "/hangfire";

    protected virtual IDictionary<string, string?> Overrides => new Dictionary<string, string?>();

    public async Task InitializeAsync()
    {
        Telegram = await FakeTelegramServer.StartAsync();
        var database = await PostgresServer.CreateDatabaseAsync();
        // The sample data is written before the worker starts, so nothing of it is "new" to a job.
        Sample = await DashboardSampleData.SeedAsync(database, DateTimeOffset.UtcNow);
        var overrides = new Dictionary<string, string?>
        {
            // No WB sync round while the pages are looked at (the sample cabinets' keys are not real).
            ["Wildberries:SyncIntervalSeconds"] = "86400",
        };
        foreach (var (key, value) in Overrides) overrides[key] = value;
        Worker = await TestWorker.StartAsync(database, Telegram, overrides);
        Chromium = await HeadlessChromium.StartAsync();
        await Chromium.SetViewportAsync(1280, 900);
    }

    public async Task DisposeAsync()
    {
        await Chromium.DisposeAsync();
        await Worker.DisposeAsync();
        await Telegram.DisposeAsync();
        await PostgresServer.DropDatabaseAsync(Worker.ConnectionString);
    }
}

/// <summary>The same, with <c>Dashboard:ReadOnly</c>, a trusted set narrowed to 127.0.0.1 and dashboard credentials.</summary>
public sealed class ReadOnlyDashboardFixture : DashboardFixture
{
    public const string User = "support";
    public const string Password = "support-Pass-7";

    protected override IDictionary<string, string?> Overrides => new Dictionary<string, string?>
    {
        ["Dashboard:ReadOnly"] = "true",
        ["Dashboard:Username"] = User,
        ["Dashboard:Password"] = Password,
        ["Api:TrustedNetworks:0"] = "127.0.0.1/32",
    };
}
