using System.Globalization;
using System.Text;
using FelixHub.Core.Wildberries;
using FelixHub.Core.Wildberries.Data;
using FelixHub.Core.Wildberries.Sync;
using Hangfire.Dashboard;
using Hangfire.Storage;
using Npgsql;

namespace FelixHub.Worker.DashboardPages;

/// <summary>
/// <c>/hangfire/sellers</c>: every WB cabinet with its state, users, last and next sync, last error and
/// the key's expiry date. The key itself is never read here.
/// </summary>
internal sealed class SellersPage : FelixHubPage
{
    private static readonly int[] PageSizes = [20, 50, 100, 500];
    private static readonly TimeSpan ExpirySoon = TimeSpan.FromDays(14);

    private readonly List<Cabinet> cabinets = [];
    private readonly Dictionary<string, long> byState = new(StringComparer.Ordinal);
    private long total;
    private int from;
    private int count = 50;
    private DateTimeOffset now;
    private DateTime? nextFanOut;

    protected override string Title => "Sellers";

    public override async Task LoadAsync(DashboardContext context, HttpContext http, CancellationToken cancellationToken)
    {
        var input = new DashboardInput(http.Request.Query, InputErrors);
        count = input.PageSize("count", PageSizes, 50);
        var fromText = input.Text("from");
        if (fromText is not null && (!int.TryParse(fromText, NumberStyles.None, CultureInfo.InvariantCulture, out from) || from < 0))
        {
            InputErrors.Add($"\"{fromText}\" is not a position in the list.");
            from = 0;
        }
        now = http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();

        var dataSource = http.RequestServices.GetRequiredService<NpgsqlDataSource>();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using (var command = new NpgsqlCommand("SELECT state, count(*) FROM wb_cabinets GROUP BY state", connection))
        await using (var r = await command.ExecuteReaderAsync(cancellationToken))
            while (await r.ReadAsync(cancellationToken)) byState[r.GetString(0)] = r.GetInt64(1);
        total = byState.Values.Sum();

        // The latest sync log of each cabinet comes from the (cabinet_id, started_at) index.
        await using (var command = new NpgsqlCommand("""
            SELECT c.id, c.state, c.token_type, c.key_expires_at, c.created_at, c.last_sync_at, c.initial_sync_completed_at,
                   c.sync_lease_until, c.sync_enqueued_at, c.last_sync_error,
                   u.users, u.telegram_ids, l.kind, l.status, l.started_at, l.finished_at, l.error, c.key_scopes, c.refused_categories
            FROM wb_cabinets c
            LEFT JOIN LATERAL (SELECT count(*) AS users, (array_agg(telegram_id ORDER BY telegram_id))[1:5] AS telegram_ids
                               FROM cabinet_users WHERE cabinet_id = c.id) u ON true
            LEFT JOIN LATERAL (SELECT kind, status, started_at, finished_at, error FROM wb_sync_logs
                               WHERE cabinet_id = c.id ORDER BY started_at DESC LIMIT 1) l ON true
            ORDER BY c.id LIMIT $1 OFFSET $2
            """, connection))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = count });
            command.Parameters.Add(new NpgsqlParameter { Value = from });
            await using var r = await command.ExecuteReaderAsync(cancellationToken);
            while (await r.ReadAsync(cancellationToken))
            {
                cabinets.Add(new Cabinet(r.GetInt64(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetInt32(2), At(r, 3), r.GetFieldValue<DateTimeOffset>(4),
                    At(r, 5), At(r, 6), At(r, 7), At(r, 8), Str(r, 9), r.GetInt64(10), r.IsDBNull(11) ? [] : r.GetFieldValue<long[]>(11),
                    Str(r, 12), Str(r, 13), At(r, 14), At(r, 15), Str(r, 16),
                    WbCategories.Disabled(r.IsDBNull(17) ? null : r.GetInt32(17), r.GetInt32(18))));
            }
        }

        using var storage = context.Storage.GetConnection();
        nextFanOut = storage.GetRecurringJobs([WbSyncFanOutJob.RecurringJobId]).FirstOrDefault()?.NextExecution;
    }

    protected override void Render(StringBuilder html)
    {
        html.Append("<div class=\"row\"><div class=\"col-md-12\">");
        Header(html, "WB cabinets");
        html.Append(CultureInfo.InvariantCulture, $"<p class=\"cabinet-totals\"><strong>{total:N0}</strong> cabinets");
        foreach (var (state, n) in byState.OrderBy(s => s.Key, StringComparer.Ordinal))
            html.Append(CultureInfo.InvariantCulture, $" · {Label(state)} {n:N0}");
        html.Append(". The next sync round (<code>wb-sync-fan-out</code>) starts at ");
        html.Append(nextFanOut is { } next ? Time(new DateTimeOffset(DateTime.SpecifyKind(next, DateTimeKind.Utc))) : "—");
        html.Append(".</p>");

        if (cabinets.Count == 0)
        {
            html.Append("<div class=\"alert alert-info no-cabinets\">No cabinet is registered.</div></div></div>");
            return;
        }
        var pager = new Pager(from, count, total) { BasePageUrl = Url.To("/sellers") };
        html.Append("""
            <div class="table-responsive"><table class="table sellers" aria-describedby="page-title"><thead><tr>
            <th class="min-width">Cabinet</th><th class="min-width">State</th><th>Users</th><th class="min-width">Last sync</th><th class="min-width">Next sync</th>
            <th>Last error</th><th class="min-width">Key expires</th><th class="min-width">Messages</th></tr></thead><tbody>
            """);
        foreach (var c in cabinets)
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr class=\"cabinet\" data-cabinet=\"{c.Id}\"><td>{c.Id}<br><small class=\"text-muted\">{E(TokenType(c.TokenType))}</small></td>");
            html.Append($"<td>{Label(c.State)}");
            // The categories the sync leaves out: the key lacks them, or WB refused them (docs/seller-notifications.md#key-categories).
            if (WbCategories.In(c.DisabledCategories) is { Count: > 0 } off)
                html.Append($"<br><small class=\"text-warning off-categories\">without {E(string.Join(", ", off.Select(WbCategories.Code)))}</small>");
            html.Append("</td>");
            html.Append(CultureInfo.InvariantCulture, $"<td class=\"users\">{c.Users:N0}");
            if (c.TelegramIds.Length > 0)
                html.Append($"<br><small class=\"text-muted\">{E(string.Join(", ", c.TelegramIds.Select(t => t.ToString(CultureInfo.InvariantCulture))))}{(c.Users > c.TelegramIds.Length ? ", …" : "")}</small>");
            html.Append("</td>");
            html.Append($"<td class=\"last-sync\">{LastSync(c)}</td><td class=\"next-sync\">{NextSync(c)}</td>");
            var error = c.LastSyncError ?? (c.LogStatus == "failed" ? c.LogError : null);
            html.Append($"<td class=\"word-break last-error\">{(error is null ? "<span class=\"text-muted\">—</span>" : $"<span class=\"text-danger\">{E(Shorten(error, 300))}</span>")}</td>");
            html.Append($"<td class=\"key-expiry\">{KeyExpiry(c.KeyExpiresAt)}</td>");
            html.Append(CultureInfo.InvariantCulture, $"<td><a href=\"{Url.To("/messages")}?cabinet={c.Id}\">messages</a></td></tr>");
        }
        html.Append("</tbody></table></div>");
        html.Append("<div class=\"btn-toolbar\">").Append(Html.Paginator(pager)).Append(Html.PerPageSelector(pager)).Append("</div>");
        html.Append("</div></div>");
    }

    private static string TokenType(int? type) => type switch
    {
        1 => "Base token",
        3 => "Personal token",
        4 => "Service token",
        null => "",
        _ => $"token type {type}",
    };

    private static string LastSync(Cabinet c)
    {
        var text = new StringBuilder();
        if (c.LastSyncAt is not null) text.Append("ok ").Append(Time(c.LastSyncAt));
        else text.Append("<span class=\"text-muted\">never completed</span>");
        if (c.LogStartedAt is not null && c.LogStatus is not null)
        {
            text.Append($"<br><small>last run: {Label(c.LogStatus)} {E(c.LogKind)} ");
            text.Append(Time(c.LogFinishedAt ?? c.LogStartedAt)).Append("</small>");
        }
        return text.ToString();
    }

    private string NextSync(Cabinet c)
    {
        if (c.State == CabinetState.KeyRejected) return "<span class=\"text-danger\">none: WB refused the key; it syncs again once the key is registered again</span>";
        if (c.SyncLeaseUntil is { } lease && lease > now) return "<span class=\"label label-info\">running now</span>";
        if (c.SyncEnqueuedAt is { } queued) return $"queued {Time(queued)}";
        return nextFanOut is { } next ? Time(new DateTimeOffset(DateTime.SpecifyKind(next, DateTimeKind.Utc))) : "—";
    }

    private string KeyExpiry(DateTimeOffset? expires)
    {
        if (expires is not { } at) return "<span class=\"text-muted\">not stated</span>";
        var date = at.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        if (at <= now) return $"<span class=\"label label-danger\">expired {date}</span>";
        if (at - now < ExpirySoon) return $"<span class=\"label label-warning\">{date}</span>";
        return date;
    }

    private static string? Str(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private static DateTimeOffset? At(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetFieldValue<DateTimeOffset>(i);

    private sealed record Cabinet(long Id, string State, int? TokenType, DateTimeOffset? KeyExpiresAt, DateTimeOffset CreatedAt, DateTimeOffset? LastSyncAt,
        DateTimeOffset? InitialSyncCompletedAt, DateTimeOffset? SyncLeaseUntil, DateTimeOffset? SyncEnqueuedAt, string? LastSyncError, long Users,
        long[] TelegramIds, string? LogKind, string? LogStatus, DateTimeOffset? LogStartedAt, DateTimeOffset? LogFinishedAt, string? LogError,
        int DisabledCategories);
}
