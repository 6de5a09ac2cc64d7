using System.Text;
using FelixHub.Core.Bookings;
using FelixHub.Core.Delivery;
using FelixHub.Core.OrderNotifications;
using FelixHub.Core.Wildberries.Notifications;
using Hangfire.Dashboard;
using Npgsql;
using NpgsqlTypes;

namespace FelixHub.Worker.DashboardPages;

/// <summary>
/// <c>/hangfire/messages</c>: every message of the delivery ledger, newest first, with filters and
/// counts by state. Pages go by message id (older / newer than the page's last / first row), so a
/// page costs the same however far back it is.
/// </summary>
internal sealed class MessagesPage : FelixHubPage
{
    public static readonly int[] PageSizes = [20, 50, 100, 500];

    /// <summary>The kinds the pipeline writes (docs/delivery.md), for the filter's list.</summary>
    public static readonly string[] KnownKinds =
    [
        OrderNotificationTypes.MechanicStatusChange, OrderNotificationTypes.MechanicAssignment, OrderNotificationTypes.AdminNewOrder,
        OrderNotificationTypes.CustomerOrderReady, OrderNotificationTypes.CustomerStatusChange, StuckOrderCheckJob.NotificationType,
        .. BookingNotificationTypeCodes.All,
        .. WbEventType.Switchable, .. WbEventType.CabinetNotices, WbEventType.Digest,
    ];

    private readonly Filter filter = new();
    private readonly List<Row> rows = [];
    private readonly Dictionary<string, long> counts = new(StringComparer.Ordinal);
    private int pageSize = 50;
    private bool hasOlder;
    private bool hasNewer;

    protected override string Title => "Messages";

    public override async Task LoadAsync(DashboardContext context, HttpContext http, CancellationToken cancellationToken)
    {
        var input = new DashboardInput(http.Request.Query, InputErrors);
        filter.Kind = input.Kind("kind");
        filter.State = input.OneOf("state", "state", DeliveryStates.All);
        filter.Chat = input.Chat("chat");
        filter.Order = input.IntId("order", "Order");
        filter.Booking = input.IntId("booking", "Booking");
        filter.Cabinet = input.Id("cabinet", "Cabinet");
        filter.From = input.Time("from", "From");
        filter.To = input.Time("to", "To", endOfDay: true);
        if (filter.From is { } f && filter.To is { } t && f > t)
        {
            InputErrors.Add("The range ends before it starts: \"from\" is after \"to\".");
            filter.From = filter.To = null;
        }
        var before = input.Id("before", "Page start");
        var after = before is null ? input.Id("after", "Page start") : null;
        pageSize = input.PageSize("count", PageSizes, 50);

        var dataSource = http.RequestServices.GetRequiredService<NpgsqlDataSource>();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);

        await using (var list = new NpgsqlCommand { Connection = connection })
        {
            var where = filter.Where(list, includeState: true);
            if (before is { } b) where.Add(Param(list, "id < @page", "page", b));
            if (after is { } a) where.Add(Param(list, "id > @page", "page", a));
            list.CommandText = $"""
                SELECT id, kind, state, chat_id, order_id, mechanic_id, booking_id, cabinet_id, attempts, last_error, created_at, finished_at, left(text, 120)
                FROM delivery_messages {Clause(where)}
                ORDER BY id {(after is null ? "DESC" : "ASC")} LIMIT {pageSize + 1}
                """;
            await using var reader = await list.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add(new Row(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), Nullable<string>(reader, 3), NullableInt(reader, 4),
                    NullableInt(reader, 5), NullableInt(reader, 6), reader.IsDBNull(7) ? null : reader.GetInt64(7), reader.GetInt32(8),
                    Nullable<string>(reader, 9), reader.GetFieldValue<DateTimeOffset>(10),
                    reader.IsDBNull(11) ? null : reader.GetFieldValue<DateTimeOffset>(11), reader.GetString(12)));
            }
        }
        var more = rows.Count > pageSize;
        if (more) rows.RemoveAt(rows.Count - 1);
        if (after is null)
        {
            hasOlder = more;
            hasNewer = before is not null;
        }
        else
        {
            rows.Reverse();
            hasNewer = more;
            hasOlder = true;
        }

        // Counts by state under the same filters (the state filter aside, so every state's count shows).
        await using var count = new NpgsqlCommand { Connection = connection };
        var countWhere = filter.Where(count, includeState: false);
        count.CommandText = $"SELECT state, count(*) FROM delivery_messages {Clause(countWhere)} GROUP BY state";
        await using var counted = await count.ExecuteReaderAsync(cancellationToken);
        while (await counted.ReadAsync(cancellationToken)) counts[counted.GetString(0)] = counted.GetInt64(1);
    }

    protected override void Render(StringBuilder html)
    {
        html.Append("<div class=\"row\"><div class=\"col-md-3\">");
        RenderStates(html);
        html.Append("</div><div class=\"col-md-9\">");
        Header(html, filter.Describe());
        RenderFilterForm(html);
        if (rows.Count == 0)
        {
            html.Append("<div class=\"alert alert-info no-messages\">No messages match.</div>");
        }
        else
        {
            RenderPager(html);
            html.Append("""
                <div class="table-responsive"><table class="table table-hover messages" aria-describedby="page-title"><thead><tr>
                <th class="min-width">Id</th><th class="min-width">Created</th><th>Kind</th><th class="min-width">State</th><th>Chat</th><th>About</th>
                <th class="min-width">Attempts</th><th>Text / last error</th></tr></thead><tbody>
                """);
            foreach (var r in rows)
            {
                var link = Url.To($"/messages/{r.Id}");
                html.Append($"<tr class=\"message-row\" data-id=\"{r.Id}\"><td class=\"min-width\"><a href=\"{link}\">#{r.Id}</a></td>");
                html.Append($"<td class=\"min-width\">{Time(r.CreatedAt)}</td><td>{E(r.Kind)}</td><td class=\"min-width\">{Label(r.State)}</td>");
                html.Append($"<td>{E(r.ChatId)}</td><td>{About(r)}</td><td class=\"min-width align-right\">{r.Attempts}</td>");
                html.Append($"<td style=\"overflow-wrap: anywhere\"><a href=\"{link}\" class=\"text-preview\">{E(Shorten(r.Text, 80))}</a>");
                if (r.LastError is not null && r.State != DeliveryStates.Sent)
                    html.Append($"<br><small class=\"text-danger last-error\">{E(Shorten(r.LastError, 160))}</small>");
                html.Append("</td></tr>");
            }
            html.Append("</tbody></table></div>");
            RenderPager(html);
        }
        html.Append("</div></div>");
    }

    private string About(Row r)
    {
        var parts = new List<string>();
        if (r.OrderId is { } o) parts.Add($"<a href=\"{Url.To("/messages")}{QueryString([new("order", o.ToString(System.Globalization.CultureInfo.InvariantCulture))])}\">order {o}</a>");
        if (r.MechanicId is { } m) parts.Add($"mechanic {m}");
        if (r.BookingId is { } b) parts.Add($"<a href=\"{Url.To("/messages")}{QueryString([new("booking", b.ToString(System.Globalization.CultureInfo.InvariantCulture))])}\">booking {b}</a>");
        if (r.CabinetId is { } c) parts.Add($"<a href=\"{Url.To("/messages")}{QueryString([new("cabinet", c.ToString(System.Globalization.CultureInfo.InvariantCulture))])}\">cabinet {c}</a>");
        return string.Join(", ", parts);
    }

    private void RenderStates(StringBuilder html)
    {
        var total = counts.Values.Sum();
        html.Append("<div id=\"stats\" class=\"list-group state-counts\">");
        html.Append(StateLink(null, "All", total, "default"));
        foreach (var state in DeliveryStates.All)
            html.Append(StateLink(state, char.ToUpperInvariant(state[0]) + state[1..], counts.GetValueOrDefault(state), StateMetric(state)));
        html.Append("</div>");
    }

    private string StateLink(string? state, string text, long count, string style)
    {
        var active = filter.State == state ? " active" : "";
        var href = Url.To("/messages") + QueryString(filter.Parameters(state, pageSize));
        return $"<a href=\"{href}\" class=\"list-group-item{active}\" data-state=\"{E(state ?? "all")}\">{E(text)}" +
            $"<span class=\"pull-right\"><span class=\"metric metric-{style} state-count\">{count:N0}</span></span></a>";
    }

    private static string StateMetric(string state) => state switch
    {
        DeliveryStates.Failed => "danger",
        DeliveryStates.Sent => "success",
        DeliveryStates.Pending or DeliveryStates.Sending => "info",
        _ => "default",
    };

    private void RenderFilterForm(StringBuilder html)
    {
        html.Append($"<form class=\"form-inline message-filter\" method=\"get\" action=\"{Url.To("/messages")}\" style=\"margin-bottom: 15px\">");
        html.Append("<div class=\"form-group\"><select name=\"kind\" class=\"form-control input-sm\" aria-label=\"Kind\"><option value=\"\">any kind</option>");
        foreach (var kind in KnownKinds.Union(filter.Kind is null ? [] : [filter.Kind]))
            html.Append($"<option value=\"{E(kind)}\"{(kind == filter.Kind ? " selected" : "")}>{E(kind)}</option>");
        html.Append("</select></div> <div class=\"form-group\"><select name=\"state\" class=\"form-control input-sm\" aria-label=\"State\"><option value=\"\">any state</option>");
        foreach (var state in DeliveryStates.All)
            html.Append($"<option value=\"{state}\"{(state == filter.State ? " selected" : "")}>{state}</option>");
        html.Append("</select></div> ");
        Input(html, "chat", "chat id", filter.Chat, 110);
        Input(html, "order", "order", filter.Order?.ToString(System.Globalization.CultureInfo.InvariantCulture), 80);
        Input(html, "booking", "booking", filter.Booking?.ToString(System.Globalization.CultureInfo.InvariantCulture), 80);
        Input(html, "cabinet", "cabinet", filter.Cabinet?.ToString(System.Globalization.CultureInfo.InvariantCulture), 80);
        Input(html, "from", "from (UTC)", Format(filter.From), 140);
        Input(html, "to", "to (UTC)", Format(filter.To), 140);
        html.Append($"<input type=\"hidden\" name=\"count\" value=\"{pageSize}\">");
        html.Append($"<button type=\"submit\" class=\"btn btn-sm btn-primary\">Filter</button> <a class=\"btn btn-sm btn-default\" href=\"{Url.To("/messages")}\">Clear</a></form>");
    }

    private static void Input(StringBuilder html, string name, string placeholder, string? value, int width) =>
        html.Append($"<div class=\"form-group\"><input type=\"text\" name=\"{name}\" class=\"form-control input-sm\" placeholder=\"{E(placeholder)}\" aria-label=\"{E(placeholder)}\" value=\"{E(value)}\" style=\"width: {width}px\"></div> ");

    private static string? Format(DateTimeOffset? value) => value?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);

    private void RenderPager(StringBuilder html)
    {
        var baseUrl = Url.To("/messages");
        var parameters = filter.Parameters(filter.State, pageSize);
        html.Append("<div class=\"btn-toolbar btn-toolbar-top message-pager\"><div class=\"btn-group paginator\">");
        html.Append($"<a class=\"btn btn-sm btn-default{(hasNewer ? "" : " disabled")}\" href=\"{baseUrl}{QueryString(parameters)}\">Newest</a>");
        html.Append(hasNewer
            ? $"<a class=\"btn btn-sm btn-default\" rel=\"prev\" href=\"{baseUrl}{QueryString([.. parameters, new("after", rows[0].Id.ToString(System.Globalization.CultureInfo.InvariantCulture))])}\">Newer</a>"
            : "<a class=\"btn btn-sm btn-default disabled\">Newer</a>");
        html.Append(hasOlder
            ? $"<a class=\"btn btn-sm btn-default\" rel=\"next\" href=\"{baseUrl}{QueryString([.. parameters, new("before", rows[^1].Id.ToString(System.Globalization.CultureInfo.InvariantCulture))])}\">Older</a>"
            : "<a class=\"btn btn-sm btn-default disabled\">Older</a>");
        html.Append("</div><div class=\"btn-group pull-right paginator\">");
        foreach (var size in PageSizes)
            html.Append($"<a class=\"btn btn-sm btn-default{(size == pageSize ? " active" : "")}\" href=\"{baseUrl}{QueryString(filter.Parameters(filter.State, size))}\">{size}</a>");
        html.Append("</div><div class=\"btn-toolbar-label btn-toolbar-label-sm pull-right hidden-xs\">Per page:</div></div>");
    }

    private static string Clause(List<string> where) => where.Count == 0 ? "" : "WHERE " + string.Join(" AND ", where);

    private static string Param<T>(NpgsqlCommand command, string condition, string name, T value)
    {
        command.Parameters.Add(new NpgsqlParameter<T>(name, value));
        return condition;
    }

    private static T? Nullable<T>(NpgsqlDataReader reader, int i) where T : class => reader.IsDBNull(i) ? null : reader.GetFieldValue<T>(i);

    private static int? NullableInt(NpgsqlDataReader reader, int i) => reader.IsDBNull(i) ? null : reader.GetInt32(i);

    private sealed record Row(long Id, string Kind, string State, string? ChatId, int? OrderId, int? MechanicId, int? BookingId, long? CabinetId,
        int Attempts, string? LastError, DateTimeOffset CreatedAt, DateTimeOffset? FinishedAt, string Text);

    private sealed class Filter
    {
        public string? Kind { get; set; }
        public string? State { get; set; }
        public string? Chat { get; set; }
        public int? Order { get; set; }
        public int? Booking { get; set; }
        public long? Cabinet { get; set; }
        public DateTimeOffset? From { get; set; }
        public DateTimeOffset? To { get; set; }

        public List<string> Where(NpgsqlCommand command, bool includeState)
        {
            var where = new List<string>();
            if (Kind is not null) where.Add(Param(command, "kind = @kind", "kind", Kind));
            if (includeState && State is not null) where.Add(Param(command, "state = @state", "state", State));
            if (Chat is not null) where.Add(Param(command, "chat_id = @chat", "chat", Chat));
            if (Order is { } order) where.Add(Param(command, "order_id = @order", "order", order));
            if (Booking is { } booking) where.Add(Param(command, "booking_id = @booking", "booking", booking));
            if (Cabinet is { } cabinet) where.Add(Param(command, "cabinet_id = @cabinet", "cabinet", cabinet));
            if (From is { } from)
            {
                command.Parameters.Add(new NpgsqlParameter("from", NpgsqlDbType.TimestampTz) { Value = from });
                where.Add("created_at >= @from");
            }
            if (To is { } to)
            {
                command.Parameters.Add(new NpgsqlParameter("to", NpgsqlDbType.TimestampTz) { Value = to });
                where.Add("created_at <= @to");
            }
            return where;
        }

        public List<KeyValuePair<string, string?>> Parameters(string? state, int count) =>
        [
            new("kind", Kind), new("state", state), new("chat", Chat),
            new("order", Order?.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("booking", Booking?.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("cabinet", Cabinet?.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("from", Format(From)), new("to", Format(To)),
            new("count", count == 50 ? null : count.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ];

        /// <summary>The filter in words, for the header.</summary>
        public string? Describe()
        {
            var parts = new List<string>();
            if (Kind is not null) parts.Add(Kind);
            if (State is not null) parts.Add(State);
            if (Chat is not null) parts.Add($"chat {Chat}");
            if (Order is { } o) parts.Add($"order {o}");
            if (Booking is { } b) parts.Add($"booking {b}");
            if (Cabinet is { } c) parts.Add($"cabinet {c}");
            if (From is not null || To is not null) parts.Add($"{Format(From) ?? "…"} – {Format(To) ?? "…"} UTC");
            return parts.Count == 0 ? null : string.Join(", ", parts);
        }
    }
}
