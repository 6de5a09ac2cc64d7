using System.Globalization;
using System.Text;
using FelixHub.Core.Bookings;
using Hangfire.Dashboard;
using Npgsql;

namespace FelixHub.Worker.DashboardPages;

/// <summary>
/// <c>/hangfire/bookings</c>: the booking reminders due in the next hour, and the late ones (due more
/// than <see cref="LateAfter"/> ago and still not sent). Both come from the dispatch path's partial
/// index: only messages not yet final have a next attempt.
/// </summary>
internal sealed class BookingsPage : FelixHubPage
{
    /// <summary>delivery-dispatch runs every minute: a reminder due longer ago than this should have gone.</summary>
    public static readonly TimeSpan LateAfter = TimeSpan.FromMinutes(2);

    private const int Limit = 500;
    private readonly List<Reminder> upcoming = [];
    private readonly List<Reminder> late = [];
    private DateTimeOffset now;

    protected override string Title => "Bookings";

    public override async Task LoadAsync(DashboardContext context, HttpContext http, CancellationToken cancellationToken)
    {
        now = http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        var dataSource = http.RequestServices.GetRequiredService<NpgsqlDataSource>();
        await using var command = dataSource.CreateCommand("""
            SELECT m.id, m.kind, m.state, m.booking_id, m.chat_id, m.due_at, m.next_attempt_at, m.attempts, m.last_error,
                   b.resource_name, b.start_time, u.name
            FROM delivery_messages m
            LEFT JOIN bookings b ON b.id = m.booking_id
            LEFT JOIN booking_users u ON u.id = b.user_id
            WHERE m.next_attempt_at IS NOT NULL AND m.kind = ANY($1) AND m.state IN ('pending', 'sending')
              AND m.due_at <= $2
            ORDER BY m.due_at, m.id
            LIMIT $3
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = BookingNotificationTypeCodes.All });
        command.Parameters.Add(new NpgsqlParameter { Value = now.AddHours(1) });
        command.Parameters.Add(new NpgsqlParameter { Value = Limit });
        await using var r = await command.ExecuteReaderAsync(cancellationToken);
        while (await r.ReadAsync(cancellationToken))
        {
            var reminder = new Reminder(r.GetInt64(0), r.GetString(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetInt32(3), r.IsDBNull(4) ? null : r.GetString(4),
                r.GetFieldValue<DateTimeOffset>(5), r.GetFieldValue<DateTimeOffset>(6), r.GetInt32(7), r.IsDBNull(8) ? null : r.GetString(8),
                r.IsDBNull(9) ? null : r.GetString(9), r.IsDBNull(10) ? null : r.GetFieldValue<DateTimeOffset>(10), r.IsDBNull(11) ? null : r.GetString(11));
            if (reminder.DueAt < now - LateAfter) late.Add(reminder);
            else upcoming.Add(reminder);
        }
    }

    protected override void Render(StringBuilder html)
    {
        html.Append("<div class=\"row\"><div class=\"col-md-12\">");
        Header(html, "reminders");
        html.Append(CultureInfo.InvariantCulture, $"<h3>Late <small>due more than {LateAfter.TotalMinutes:0} minutes ago and not sent: {late.Count}</small></h3>");
        if (late.Count == 0) html.Append("<p class=\"text-muted no-late\">None: every reminder went out on time.</p>");
        else Table(html, late, "late-reminders", lateColumn: true);

        html.Append(CultureInfo.InvariantCulture, $"<h3>Due now or in the next hour <small>{upcoming.Count}</small></h3>");
        if (upcoming.Count == 0) html.Append("<p class=\"text-muted no-upcoming\">None.</p>");
        else Table(html, upcoming, "upcoming-reminders", lateColumn: false);
        html.Append($"""
            <p class="text-muted">Reminders go out with the recurring <code>delivery-dispatch</code> job (every minute). Sent and
            failed ones: <a href="{Url.To("/messages")}?state=failed">failed messages</a> (filter by kind <code>BOOKING_…</code> or by booking).</p>
            """);
        html.Append("</div></div>");
    }

    private void Table(StringBuilder html, List<Reminder> reminders, string cssClass, bool lateColumn)
    {
        html.Append($"<table class=\"table {cssClass}\"><thead><tr><th class=\"min-width\">Message</th><th>Kind</th><th class=\"min-width\">Due</th>");
        html.Append(lateColumn ? "<th class=\"min-width\">Late by</th>" : "<th class=\"min-width\">In</th>");
        html.Append("<th>Booking</th><th>Chat</th><th class=\"min-width\">State</th><th class=\"min-width\">Attempts</th><th>Last error / next attempt</th></tr></thead><tbody>");
        foreach (var m in reminders)
        {
            var delta = lateColumn ? now - m.DueAt : m.DueAt - now;
            html.Append(CultureInfo.InvariantCulture, $"<tr class=\"reminder\" data-id=\"{m.Id}\"><td><a href=\"{Url.To($"/messages/{m.Id}")}\">#{m.Id}</a></td><td>{E(m.Kind)}</td><td>{Time(m.DueAt)}</td>");
            html.Append($"<td>{Duration(delta)}</td><td>");
            if (m.BookingId is { } b)
            {
                html.Append(CultureInfo.InvariantCulture, $"<a href=\"{Url.To("/messages")}?booking={b}\">#{b}</a> {E(m.Resource)}");
                if (m.StartTime is not null) html.Append("<br><small>starts ").Append(Time(m.StartTime)).Append("</small>");
                if (m.UserName is not null) html.Append($"<br><small class=\"text-muted\">{E(m.UserName)}</small>");
            }
            html.Append($"</td><td>{E(m.ChatId)}</td><td>{Label(m.State)}</td><td class=\"align-right\">{m.Attempts}</td><td class=\"word-break\">");
            if (m.LastError is not null) html.Append($"<span class=\"text-danger\">{E(Shorten(m.LastError, 200))}</span><br>");
            html.Append("<small>next attempt ").Append(Time(m.NextAttemptAt)).Append("</small></td></tr>");
        }
        html.Append("</tbody></table>");
    }

    private static string Duration(TimeSpan span)
    {
        if (span < TimeSpan.Zero) span = TimeSpan.Zero;
        return span.TotalHours >= 1
            ? string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalHours} h {span.Minutes} min")
            : string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalMinutes} min");
    }

    private sealed record Reminder(long Id, string Kind, string State, int? BookingId, string? ChatId, DateTimeOffset DueAt, DateTimeOffset NextAttemptAt,
        int Attempts, string? LastError, string? Resource, DateTimeOffset? StartTime, string? UserName);
}
