namespace FelixHub.Tests.Dashboard;

/// <summary>
/// Not a test: scripts/dashboard-screenshots.sh runs this with <c>FELIXHUB_SCREENSHOTS_DIR</c> set to
/// write <c>dashboard-*.png</c> of each FelixHub page, with the sample data, for hangfire-dashboard.md.
/// </summary>
public sealed class DashboardScreenshots
{
    public const string DirectoryVariable = "FELIXHUB_SCREENSHOTS_DIR";

    [ScreenshotsFact]
    public async Task Writes_a_screenshot_of_each_page()
    {
        var directory = Environment.GetEnvironmentVariable(DirectoryVariable)!;
        Directory.CreateDirectory(directory);
        // Its own fixture (not a class fixture): nothing starts when the entry point is skipped.
        var fixture = new DashboardFixture();
        await fixture.InitializeAsync();
        try
        {
            await WriteAsync(fixture, directory);
        }
        finally
        {
            await fixture.DisposeAsync();
        }
    }

    private static async Task WriteAsync(DashboardFixture fixture, string directory)
    {
        var sample = fixture.Sample;
        var pages = new (string Name, string Path)[]
        {
            ("messages", "/messages?count=20"),
            ("messages-order", $"/messages?order={sample.ActiveOrderId}"),
            ("message", $"/messages/{sample.FailedCustomerMessageId}"),
            ("health", "/health"),
            ("sellers", "/sellers"),
            ("bookings", "/bookings"),
        };
        foreach (var (name, path) in pages)
        {
            await fixture.Chromium.LoadAsync(fixture.Dashboard + path);
            var png = await fixture.Chromium.ScreenshotAsync();
            await File.WriteAllBytesAsync(Path.Combine(directory, $"dashboard-{name}.png"), png);
        }
    }
}

/// <summary>Runs only when <see cref="DashboardScreenshots.DirectoryVariable"/> names a folder.</summary>
public sealed class ScreenshotsFactAttribute : FactAttribute
{
    public ScreenshotsFactAttribute()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(DashboardScreenshots.DirectoryVariable)))
            Skip = $"writes the dashboard's screenshots for the docs; scripts/dashboard-screenshots.sh sets {DashboardScreenshots.DirectoryVariable}";
    }
}
