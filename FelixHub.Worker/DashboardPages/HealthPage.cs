using System.Globalization;
using System.Text;
using FelixHub.Core.Monitoring;
using FelixHub.Core.Orders;
using Hangfire.Dashboard;
using Microsoft.Extensions.Options;
using Npgsql;

namespace FelixHub.Worker.DashboardPages;

/// <summary>
/// <c>/hangfire/health</c>: messages per hour, delivered and failed, over the last 24 hours or 7 days,
/// for every kind or one (seed 000's monitoring query, counted over the ledger's messages as the alerts
/// count them); the alerts that hold now with their thresholds; this process's circuit breakers; the
/// orders stuck in «новый».
/// </summary>
internal sealed class HealthPage : FelixHubPage
{
    private const int StuckListLimit = 200;

    private readonly List<HourBucket> hours = [];
    private readonly List<(string Kind, long Sent, long Failed)> byKind = [];
    private IReadOnlyList<Alert> alerts = [];
    private IReadOnlyList<CircuitBreakerStatus> breakers = [];
    private AlertOptions thresholds = new();
    private readonly List<(int Id, string CarNumber, DateTimeOffset Since)> stuck = [];
    private long stuckTotal;
    private string range = "24h";
    private string? kind;
    private DateTimeOffset now;

    protected override string Title => "Health";

    public override async Task LoadAsync(DashboardContext context, HttpContext http, CancellationToken cancellationToken)
    {
        var input = new DashboardInput(http.Request.Query, InputErrors);
        range = input.OneOf("range", "range", ["24h", "7d"]) ?? "24h";
        kind = input.Kind("kind");
        var services = http.RequestServices;
        now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        thresholds = services.GetRequiredService<IOptionsMonitor<AlertOptions>>().CurrentValue;
        var hourCount = range == "7d" ? 24 * 7 : 24;
        var firstHour = new DateTime(now.UtcDateTime.Year, now.UtcDateTime.Month, now.UtcDateTime.Day, now.UtcDateTime.Hour, 0, 0, DateTimeKind.Utc).AddHours(-(hourCount - 1));

        var dataSource = services.GetRequiredService<NpgsqlDataSource>();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        // Index-only over the finished messages (finished_at, including kind and state).
        var perHour = new Dictionary<(DateTime, string), (long Sent, long Failed)>();
        await using (var command = new NpgsqlCommand($"""
            SELECT date_trunc('hour', finished_at AT TIME ZONE 'UTC') AS hour, kind,
                   count(*) FILTER (WHERE state = 'sent'), count(*) FILTER (WHERE state = 'failed')
            FROM delivery_messages
            WHERE finished_at >= $1 AND state IN ('sent', 'failed') {(kind is null ? "" : "AND kind = $2")}
            GROUP BY 1, 2
            """, connection))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = new DateTimeOffset(firstHour) });
            if (kind is not null) command.Parameters.Add(new NpgsqlParameter { Value = kind });
            await using var r = await command.ExecuteReaderAsync(cancellationToken);
            while (await r.ReadAsync(cancellationToken))
                perHour[(DateTime.SpecifyKind(r.GetDateTime(0), DateTimeKind.Utc), r.GetString(1))] = (r.GetInt64(2), r.GetInt64(3));
        }
        for (var i = 0; i < hourCount; i++)
        {
            var hour = firstHour.AddHours(i);
            var inHour = perHour.Where(p => p.Key.Item1 == hour).Select(p => p.Value).ToList();
            hours.Add(new HourBucket(hour, inHour.Sum(v => v.Sent), inHour.Sum(v => v.Failed)));
        }
        byKind.AddRange(perHour.GroupBy(p => p.Key.Item2)
            .Select(g => (g.Key, g.Sum(p => p.Value.Sent), g.Sum(p => p.Value.Failed)))
            .OrderBy(k => k.Key, StringComparer.Ordinal));

        await using (var command = new NpgsqlCommand("""
            SELECT id, car_number, status_changed_at, count(*) OVER () FROM orders
            WHERE status = $1 AND status_changed_at < $2
            ORDER BY status_changed_at, id LIMIT $3
            """, connection))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = OrderStatus.New });
            command.Parameters.Add(new NpgsqlParameter { Value = now.AddHours(-thresholds.StuckOrderHours) });
            command.Parameters.Add(new NpgsqlParameter { Value = StuckListLimit });
            await using var r = await command.ExecuteReaderAsync(cancellationToken);
            while (await r.ReadAsync(cancellationToken))
            {
                stuck.Add((r.GetInt32(0), r.GetString(1), r.GetFieldValue<DateTimeOffset>(2)));
                stuckTotal = r.GetInt64(3);
            }
        }

        alerts = await services.GetRequiredService<AlertEvaluator>().EvaluateAsync(cancellationToken);
        breakers = services.GetRequiredService<CircuitBreakers>().All();
    }

    protected override void Render(StringBuilder html)
    {
        html.Append("<div class=\"row\"><div class=\"col-md-12\">");
        Header(html, range == "7d" ? "last 7 days" : "last 24 hours");
        RenderAlerts(html);

        html.Append("<h3>Messages per hour</h3>");
        html.Append("<form class=\"form-inline health-filter\" method=\"get\" style=\"margin-bottom: 10px\"><div class=\"btn-group\">");
        foreach (var (value, text) in new[] { ("24h", "24 hours"), ("7d", "7 days") })
            html.Append($"<a class=\"btn btn-sm btn-default{(range == value ? " active" : "")}\" href=\"{Url.To("/health")}{QueryString([new("range", value), new("kind", kind)])}\">{text}</a>");
        html.Append($"</div> <input type=\"hidden\" name=\"range\" value=\"{range}\"><select name=\"kind\" class=\"form-control input-sm\" aria-label=\"Kind\" onchange=\"this.form.submit()\"><option value=\"\">every kind</option>");
        foreach (var k in MessagesPage.KnownKinds.Union(kind is null ? [] : [kind]))
            html.Append($"<option value=\"{E(k)}\"{(k == kind ? " selected" : "")}>{E(k)}</option>");
        html.Append("</select> <noscript><button type=\"submit\" class=\"btn btn-sm btn-default\">Show</button></noscript></form>");

        var sent = hours.Sum(h => h.Sent);
        var failed = hours.Sum(h => h.Failed);
        html.Append($"<p class=\"window-totals\"><strong>{sent + failed:N0}</strong> messages finished{(kind is null ? "" : $" ({E(kind)})")}: ");
        html.Append($"<span class=\"text-success\">{sent:N0} delivered</span>, <span class=\"text-danger\">{failed:N0} failed</span>");
        if (sent + failed > 0) html.Append(CultureInfo.InvariantCulture, $", success rate <strong>{100.0 * sent / (sent + failed):0.##} %</strong>");
        html.Append(". A message counts once, when it is delivered or fails for good, whatever its attempts.</p>");
        html.Append(HourlyChart.Svg(hours));

        html.Append("<div class=\"row\"><div class=\"col-md-6\"><h4>By kind</h4>");
        if (byKind.Count == 0)
        {
            html.Append("<p class=\"text-muted\">No message finished in this window.</p>");
        }
        else
        {
            html.Append("<table class=\"table table-condensed by-kind\"><thead><tr><th>Kind</th><th class=\"align-right\">Delivered</th><th class=\"align-right\">Failed</th><th class=\"align-right\">Success rate</th></tr></thead><tbody>");
            foreach (var (k, s, f) in byKind)
            {
                html.Append($"<tr data-kind=\"{E(k)}\"><td><a href=\"{Url.To("/health")}{QueryString([new("range", range), new("kind", k)])}\">{E(k)}</a></td>");
                html.Append(CultureInfo.InvariantCulture, $"<td class=\"align-right\">{s:N0}</td><td class=\"align-right\"><a href=\"{Url.To("/messages")}{QueryString([new("kind", k), new("state", "failed")])}\">{f:N0}</a></td><td class=\"align-right\">{100.0 * s / (s + f):0.##} %</td></tr>");
            }
            html.Append("</tbody></table>");
        }
        html.Append("</div><div class=\"col-md-6\"><h4>Hours with messages <small>newest first</small></h4>");
        var busy = hours.Where(h => h.Total > 0).Reverse().Take(48).ToList();
        if (busy.Count == 0)
        {
            html.Append("<p class=\"text-muted\">None.</p>");
        }
        else
        {
            html.Append("<table class=\"table table-condensed per-hour\"><thead><tr><th>Hour (UTC)</th><th class=\"align-right\">Total</th><th class=\"align-right\">Delivered</th><th class=\"align-right\">Failed</th><th class=\"align-right\">Success rate</th></tr></thead><tbody>");
            foreach (var h in busy)
                html.Append(CultureInfo.InvariantCulture, $"<tr data-hour=\"{h.Hour:yyyy-MM-ddTHH}\"><td>{h.Hour:yyyy-MM-dd HH}:00</td><td class=\"align-right\">{h.Total:N0}</td><td class=\"align-right\">{h.Sent:N0}</td><td class=\"align-right\">{h.Failed:N0}</td><td class=\"align-right\">{100.0 * h.Sent / h.Total:0.##} %</td></tr>");
            html.Append("</tbody></table>");
        }
        html.Append("</div></div>");

        RenderBreakers(html);
        RenderStuck(html);
        html.Append("</div></div>");
    }

    private void RenderAlerts(StringBuilder html)
    {
        html.Append("<h3>Alerts <small>what <code>/health</code> and <code>GET /api/metrics/alerts</code> report now</small></h3>");
        if (alerts.Count == 0)
        {
            html.Append("<div class=\"alert alert-success no-alerts\">No alert holds.</div>");
        }
        else
        {
            html.Append("<table class=\"table alerts\"><thead><tr><th class=\"min-width\">Severity</th><th>Rule</th><th>What</th><th class=\"align-right\">Value</th><th class=\"align-right\">Threshold</th></tr></thead><tbody>");
            foreach (var a in alerts)
            {
                var style = a.Severity == AlertSeverity.Critical ? "danger" : "warning";
                html.Append($"<tr class=\"alert-row\" data-rule=\"{E(a.Rule)}\"><td><span class=\"label label-{style}\">{E(a.Severity)}</span></td><td><code>{E(a.Rule)}</code></td><td>{E(a.Message)}</td>");
                html.Append(CultureInfo.InvariantCulture, $"<td class=\"align-right\">{a.Value}</td><td class=\"align-right\">{a.Threshold}</td></tr>");
            }
            html.Append("</tbody></table>");
        }
        html.Append(CultureInfo.InvariantCulture, $"""
            <p class="thresholds text-muted">Thresholds (<code>Alerts:*</code>): success rate of the last hour below
            {thresholds.SuccessRateWarningPercent} % is a warning and below {thresholds.SuccessRateCriticalPercent} % critical
            (with at least {thresholds.SuccessRateMinimumSample} finished messages); {thresholds.FailureSpikeCritical} failed messages in an hour
            are critical; an order in «{OrderStatus.New}» longer than {thresholds.StuckOrderHours} h is stuck (warning); an open circuit breaker is a warning.</p>
            """);
    }

    private void RenderBreakers(StringBuilder html)
    {
        html.Append("<h3>Circuit breakers <small>this replica's (each process has its own)</small></h3>");
        html.Append("<table class=\"table breakers\"><thead><tr><th>Breaker</th><th class=\"min-width\">State</th><th class=\"min-width\">Opened</th><th class=\"min-width\">Last change</th><th>Last failure</th></tr></thead><tbody>");
        foreach (var b in breakers)
        {
            var style = b.State switch { "closed" => "success", "half-open" => "warning", _ => "danger" };
            html.Append($"<tr class=\"breaker\" data-breaker=\"{E(b.Name)}\"><td>{E(b.Name)}</td><td><span class=\"label label-{style}\">{E(b.State)}</span></td>");
            html.Append($"<td>{Time(b.OpenedAt)}</td><td>{Time(b.LastChangedAt)}</td><td class=\"word-break\">{E(b.LastFailure)}</td></tr>");
        }
        html.Append("</tbody></table>");
    }

    private void RenderStuck(StringBuilder html)
    {
        html.Append(CultureInfo.InvariantCulture, $"<h3>Stuck orders <small>in «{OrderStatus.New}» for more than {thresholds.StuckOrderHours} h: {stuckTotal:N0}</small></h3>");
        if (stuck.Count == 0)
        {
            html.Append("<p class=\"text-muted no-stuck\">None.</p>");
            return;
        }
        html.Append("<table class=\"table table-condensed stuck-orders\"><thead><tr><th>Order</th><th>Car</th><th>In «новый» since</th><th>For</th><th>Messages</th></tr></thead><tbody>");
        foreach (var (id, car, since) in stuck)
        {
            var hoursStuck = (now - since).TotalHours;
            html.Append(CultureInfo.InvariantCulture, $"<tr class=\"stuck-order\" data-order=\"{id}\"><td>{id}</td><td>{E(car)}</td><td>{Time(since)}</td><td>{hoursStuck:0} h</td>");
            html.Append($"<td><a href=\"{Url.To("/messages")}?order={id}\">its messages</a></td></tr>");
        }
        html.Append("</tbody></table>");
        if (stuckTotal > stuck.Count)
            html.Append(CultureInfo.InvariantCulture, $"<p class=\"text-muted\">The {StuckListLimit} stuck longest are listed.</p>");
    }
}
