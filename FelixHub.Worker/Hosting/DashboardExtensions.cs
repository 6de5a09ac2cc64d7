using Hangfire;
using Hangfire.Dashboard;

namespace FelixHub.Worker.Hosting;

public static class DashboardExtensions
{
    public const string DashboardPath = "/hangfire";

    /// <summary>The Hangfire dashboard at <c>/hangfire</c>, for loopback callers (see hangfire-dashboard.md to expose it).</summary>
    public static WebApplication MapFelixHubDashboard(this WebApplication app)
    {
        app.UseHangfireDashboard(DashboardPath, new DashboardOptions
        {
            DashboardTitle = "FelixHub jobs",
            Authorization = [new LocalRequestsOnlyAuthorizationFilter()],
            DisplayStorageConnectionString = false,
        }, app.Services.GetRequiredService<JobStorage>());
        return app;
    }
}
