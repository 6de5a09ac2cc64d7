using FelixHub.Worker.Api;
using Hangfire;
using Hangfire.Dashboard;

namespace FelixHub.Worker.Hosting;

public static class DashboardExtensions
{
    public const string DashboardPath = "/hangfire";

    /// <summary>The Hangfire dashboard at <c>/hangfire</c>: open to trusted networks, otherwise basic auth or the API key.</summary>
    public static WebApplication MapFelixHubDashboard(this WebApplication app)
    {
        var access = app.Services.GetRequiredService<AccessPolicy>();
        app.UseHangfireDashboard(DashboardPath, new Hangfire.DashboardOptions
        {
            DashboardTitle = "FelixHub jobs",
            Authorization = [new DashboardAccessFilter(access)],
            IsReadOnlyFunc = _ => access.DashboardReadOnly,
            DisplayStorageConnectionString = false,
        }, app.Services.GetRequiredService<JobStorage>());
        return app;
    }

    private sealed class DashboardAccessFilter(AccessPolicy access) : IDashboardAuthorizationFilter
    {
        public bool Authorize(DashboardContext context)
        {
            var http = context.GetHttpContext();
            if (access.IsTrusted(http.Connection.RemoteIpAddress) || access.HasValidApiKey(http) || access.HasValidDashboardCredentials(http))
                return true;
            if (access.DashboardCredentialsConfigured)
                http.Response.Headers.WWWAuthenticate = "Basic realm=\"FelixHub jobs\", charset=\"UTF-8\"";
            return false;
        }
    }
}
