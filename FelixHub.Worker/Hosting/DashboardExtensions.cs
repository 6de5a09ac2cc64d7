using FelixHub.Worker.Api;
using FelixHub.Worker.DashboardPages;
using Hangfire;
using Hangfire.Dashboard;

namespace FelixHub.Worker.Hosting;

public static class DashboardExtensions
{
    public const string DashboardPath = "/hangfire";
    private const string Challenge = "Basic realm=\"FelixHub jobs\", charset=\"UTF-8\"";

    /// <summary>
    /// The Hangfire dashboard at <c>/hangfire</c>: open to trusted networks, otherwise basic auth or the
    /// API key. A refusal is ProblemDetails: 401 with a Basic challenge when dashboard credentials are
    /// configured (they would open it), otherwise 403.
    /// </summary>
    public static WebApplication MapFelixHubDashboard(this WebApplication app)
    {
        var access = app.Services.GetRequiredService<AccessPolicy>();
        FelixHubPages.Register();
        app.UseWhen(http => http.Request.Path.StartsWithSegments(DashboardPath), branch => branch.Use(async (http, next) =>
        {
            if (MayUse(access, http))
            {
                await next(http);
                return;
            }
            if (access.DashboardCredentialsConfigured)
            {
                http.Response.Headers.WWWAuthenticate = Challenge;
                await Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized.",
                    detail: AccessPolicy.Refusal(http, "From outside the trusted networks (Api:TrustedNetworks) the dashboard wants its basic-auth credentials (Dashboard:Username/Password)"
                        + (access.ApiKeyConfigured ? " or a valid X-Api-Key." : "."))).ExecuteAsync(http);
                return;
            }
            await Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden.",
                detail: AccessPolicy.Refusal(http, access.ApiKeyConfigured
                    ? "The dashboard answers trusted networks (Api:TrustedNetworks) or a valid X-Api-Key."
                    : "The dashboard answers trusted networks (Api:TrustedNetworks, loopback by default) only: no Api:Key and no Dashboard:Username/Password are configured.")).ExecuteAsync(http);
        }));
        app.UseHangfireDashboard(DashboardPath, new Hangfire.DashboardOptions
        {
            DashboardTitle = "FelixHub jobs",
            // The gate above answers refusals; Hangfire's own check repeats it (without a filter it would allow local requests).
            Authorization = [new DashboardAccessFilter(access)],
            IsReadOnlyFunc = _ => access.DashboardReadOnly,
            DisplayStorageConnectionString = false,
        }, app.Services.GetRequiredService<JobStorage>());
        return app;
    }

    private static bool MayUse(AccessPolicy access, HttpContext http) =>
        access.IsTrusted(http) || access.HasValidApiKey(http) || access.HasValidDashboardCredentials(http);

    private sealed class DashboardAccessFilter(AccessPolicy access) : IDashboardAuthorizationFilter
    {
        public bool Authorize(DashboardContext context) => MayUse(access, context.GetHttpContext());
    }
}
