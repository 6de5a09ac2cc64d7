using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Hangfire.Dashboard;
using Hangfire.Dashboard.Pages;

namespace FelixHub.Worker.DashboardPages;

/// <summary>
/// A FelixHub page inside Hangfire's layout (same navigation bar, styles and scripts). Its data is
/// loaded asynchronously first (<see cref="LoadAsync"/>), then Hangfire renders it like its own pages.
/// Everything shown that comes from data goes through <see cref="E(string?)"/> (HTML-encoded).
/// </summary>
internal abstract class FelixHubPage : RazorPage
{
    protected abstract string Title { get; }

    /// <summary>The HTTP status of the page (a missing message is 404); the page is rendered whatever it is.</summary>
    public int StatusCode { get; protected set; } = StatusCodes.Status200OK;

    /// <summary>Problems with the request's input, shown at the top of the page instead of an error.</summary>
    protected List<string> InputErrors { get; } = [];

    public abstract Task LoadAsync(DashboardContext context, HttpContext http, CancellationToken cancellationToken);

    protected abstract void Render(StringBuilder html);

    public override void Execute()
    {
        Layout = new LayoutPage(Title);
        var html = new StringBuilder();
        // Numbers and times read the same whatever the server's culture (1,605; 2026-12-06 12:54:03 UTC).
        var culture = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        try
        {
            Render(html);
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
        }
        WriteLiteral(html.ToString());
    }

    /// <summary>HTML-encodes text for the page.</summary>
    protected static string E(string? text) => WebUtility.HtmlEncode(text ?? "");

    protected static string E(long? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "";

    /// <summary>A UTC time as the pages show it (<c>2026-12-06 12:54:03 UTC</c>), its local time on hover.</summary>
    protected static string Time(DateTimeOffset? value) => value is { } v
        ? $"<span class=\"utc-time\" style=\"white-space: nowrap\" data-moment-title=\"{v.ToUnixTimeSeconds()}\">{v.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC</span>"
        : "<span class=\"text-muted\">—</span>";

    protected static string Label(string state) => $"<span class=\"label label-{StateStyle(state)} state-{E(state)}\">{E(state)}</span>";

    protected static string StateStyle(string state) => state switch
    {
        "sent" or "active" or "succeeded" => "success",
        "failed" or "key-rejected" => "danger",
        "pending" or "initial-sync" or "running" => "info",
        "sending" or "partial" => "warning",
        _ => "default",
    };

    protected static string Shorten(string? text, int length) =>
        text is null ? "" : text.Length <= length ? text : text[..length] + "…";

    /// <summary>The page header and, when the input had problems, what they were.</summary>
    protected void Header(StringBuilder html, string? subtitle = null)
    {
        html.Append($"<h1 id=\"page-title\" class=\"page-header\">{E(Title)}");
        if (subtitle is not null) html.Append($" <small>{E(subtitle)}</small>");
        html.Append("</h1>");
        if (InputErrors.Count == 0) return;
        html.Append("<div class=\"alert alert-warning input-errors\" role=\"alert\"><strong>The filter was not applied:</strong><ul>");
        foreach (var error in InputErrors) html.Append($"<li>{E(error)}</li>");
        html.Append("</ul></div>");
    }

    protected static string QueryString(IEnumerable<KeyValuePair<string, string?>> parameters)
    {
        var parts = parameters.Where(p => !string.IsNullOrEmpty(p.Value))
            .Select(p => $"{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString(p.Value!)}").ToList();
        return parts.Count == 0 ? "" : "?" + string.Join("&", parts);
    }
}

/// <summary>
/// Serves a <see cref="FelixHubPage"/>: loads its data asynchronously, then hands it to Hangfire's own
/// page renderer, which wraps it in the dashboard's layout (Hangfire renders pages synchronously).
/// </summary>
internal sealed class FelixHubPageDispatcher(Func<Match, FelixHubPage> create) : IDashboardDispatcher
{
    private static readonly AsyncLocal<FelixHubPage?> Rendering = new();
    private static readonly IDashboardDispatcher Renderer = CreateRenderer();

    public async Task Dispatch(DashboardContext context)
    {
        var http = context.GetHttpContext();
        if (!HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            return;
        }
        var page = create(context.UriMatch);
        await page.LoadAsync(context, http, http.RequestAborted);
        context.Response.StatusCode = page.StatusCode;
        Rendering.Value = page;
        try
        {
            await Renderer.Dispatch(context);
        }
        finally
        {
            Rendering.Value = null;
        }
    }

    private static IDashboardDispatcher CreateRenderer()
    {
        var routes = new Hangfire.Dashboard.RouteCollection();
        routes.AddRazorPage("/render", _ => Rendering.Value ?? throw new InvalidOperationException("No FelixHub page is being rendered."));
        return routes.FindDispatcher("/render")!.Item1;
    }
}
