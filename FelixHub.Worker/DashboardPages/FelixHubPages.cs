using Hangfire.Dashboard;

namespace FelixHub.Worker.DashboardPages;

/// <summary>
/// FelixHub's own pages in the Hangfire dashboard — Messages, Health, Sellers, Bookings — through
/// Hangfire's extension points (its route table and navigation menu), so they share its layout, its
/// authorization (trusted networks, credentials, API key) and its read-only switch.
/// </summary>
public static class FelixHubPages
{
    private static int registered;

    /// <summary>Anti-forgery, so the dashboard's POSTs (Hangfire's buttons and Resend) carry a token Hangfire checks.</summary>
    public static IServiceCollection AddFelixHubDashboardPages(this IServiceCollection services)
    {
        services.AddAntiforgery();
        return services;
    }

    /// <summary>
    /// Adds the routes and menu items. Hangfire's route table and menu are process-wide, so this runs
    /// once per process; each request resolves its services from its own host.
    /// </summary>
    public static void Register()
    {
        if (Interlocked.Exchange(ref registered, 1) == 1) return;
        var routes = DashboardRoutes.Routes;
        routes.Add("/messages", new FelixHubPageDispatcher(_ => new MessagesPage()));
        routes.Add("/messages/(?<id>[0-9]{1,18})", new FelixHubPageDispatcher(m => new MessagePage(m.Groups["id"].Value)));
        routes.Add("/messages/(?<id>[0-9]{1,18})/resend", new ResendDispatcher());
        routes.Add("/health", new FelixHubPageDispatcher(_ => new HealthPage()));
        routes.Add("/sellers", new FelixHubPageDispatcher(_ => new SellersPage()));
        routes.Add("/bookings", new FelixHubPageDispatcher(_ => new BookingsPage()));

        foreach (var (text, path) in new[] { ("Messages", "/messages"), ("Health", "/health"), ("Sellers", "/sellers"), ("Bookings", "/bookings") })
        {
            NavigationMenu.Items.Add(page => new MenuItem(text, page.Url.To(path))
            {
                Active = page.RequestPath == path || page.RequestPath.StartsWith(path + "/", StringComparison.Ordinal),
            });
        }
    }
}
