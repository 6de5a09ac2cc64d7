using System.Globalization;
using System.Text;
using FelixHub.Core.Delivery;
using Hangfire.Dashboard;
using Npgsql;

namespace FelixHub.Worker.DashboardPages;

/// <summary>
/// <c>/hangfire/messages/{id}</c>: one message as it was sent (its Telegram HTML shown escaped, as
/// text), every attempt with Telegram's answer, the Hangfire job that sends it, and <b>Resend</b> for a
/// failed one (not in read-only mode).
/// </summary>
internal sealed class MessagePage(string id) : FelixHubPage
{
    private Message? message;
    private readonly List<Attempt> attempts = [];
    private string? jobState;
    private bool jobExpired;

    protected override string Title => $"Message #{id}";

    public override async Task LoadAsync(DashboardContext context, HttpContext http, CancellationToken cancellationToken)
    {
        if (!long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var messageId))
        {
            InputErrors.Add($"\"{id}\" is not a message id.");
            StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        var dataSource = http.RequestServices.GetRequiredService<NpgsqlDataSource>();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using (var select = new NpgsqlCommand("""
            SELECT kind, dedup_key, state, chat_id, text, parse_mode, reply_markup::text, photo_url, order_id, mechanic_id, booking_id, cabinet_id,
                   event_key, attempts, last_error, due_at, next_attempt_at, expires_at, created_at, sent_at, finished_at, telegram_message_id, job_id, request_id
            FROM delivery_messages WHERE id = $1
            """, connection))
        {
            select.Parameters.Add(new NpgsqlParameter { Value = messageId });
            await using var r = await select.ExecuteReaderAsync(cancellationToken);
            if (await r.ReadAsync(cancellationToken))
            {
                message = new Message(messageId, r.GetString(0), r.GetString(1), r.GetString(2), Str(r, 3), r.GetString(4), r.GetString(5), Str(r, 6), Str(r, 7),
                    Int(r, 8), Int(r, 9), Int(r, 10), r.IsDBNull(11) ? null : r.GetInt64(11), Str(r, 12), r.GetInt32(13), Str(r, 14),
                    r.GetFieldValue<DateTimeOffset>(15), Time(r, 16), Time(r, 17), r.GetFieldValue<DateTimeOffset>(18), Time(r, 19), Time(r, 20),
                    Int(r, 21), Str(r, 22), Str(r, 23));
            }
        }
        if (message is null)
        {
            StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        // The attempts share the message's dedup key; the (kind, sent_at) index finds them between the
        // message's creation and its end (or now), a minute of slack either side.
        var now = http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        await using (var select = new NpgsqlCommand("""
            SELECT sent_at, success, telegram_id, error_message FROM notification_logs
            WHERE notification_type = $1 AND sent_at >= $2 AND sent_at <= $3 AND message_hash = $4
            ORDER BY sent_at, id
            """, connection))
        {
            select.Parameters.Add(new NpgsqlParameter { Value = message.Kind });
            select.Parameters.Add(new NpgsqlParameter { Value = message.CreatedAt.AddMinutes(-1) });
            select.Parameters.Add(new NpgsqlParameter { Value = (message.FinishedAt is { } f && f > message.CreatedAt ? f : now).AddMinutes(1) });
            select.Parameters.Add(new NpgsqlParameter { Value = message.DedupKey });
            await using var r = await select.ExecuteReaderAsync(cancellationToken);
            while (await r.ReadAsync(cancellationToken))
                attempts.Add(new Attempt(r.GetFieldValue<DateTimeOffset>(0), r.GetBoolean(1), r.GetString(2), Str(r, 3)));
        }

        if (message.JobId is not null)
        {
            var details = context.Storage.GetMonitoringApi().JobDetails(message.JobId);
            jobState = details?.History.FirstOrDefault()?.StateName;
            jobExpired = details is null;
        }
    }

    protected override void Render(StringBuilder html)
    {
        html.Append("<div class=\"row\"><div class=\"col-md-12\">");
        if (message is null)
        {
            Header(html);
            if (InputErrors.Count == 0) html.Append($"<div class=\"alert alert-warning not-found\">There is no message #{E(id)} (never written, or removed by retention after 90 days).</div>");
            html.Append($"<a href=\"{Url.To("/messages")}\">All messages</a></div></div>");
            return;
        }
        var m = message;
        html.Append($"<h1 id=\"page-title\" class=\"page-header\">Message #{m.Id} <small>{E(m.Kind)}</small> {Label(m.State)}");
        if (m.State == DeliveryStates.Failed && (m.ChatId is not null || m.JobId is null) && !IsReadOnly)
        {
            html.Append($"""
                 <button id="resend" class="btn btn-sm btn-primary pull-right" data-ajax="{Url.To($"/messages/{m.Id}/resend")}" data-loading-text="Resending...">
                <span class="glyphicon glyphicon-repeat"></span> Resend</button>
                """);
        }
        html.Append("</h1>");
        if (m.State == DeliveryStates.Failed)
        {
            html.Append($"<div class=\"alert alert-danger failure\"><strong>Not delivered.</strong> {E(m.LastError ?? "No error recorded.")}");
            html.Append(IsReadOnly
                ? " The dashboard is read-only here: it cannot send the message again."
                : " <strong>Resend</strong> sends it again through the pipeline, on this same message (its dedup key does not change).");
            html.Append("</div>");
        }

        html.Append("<div class=\"row\"><div class=\"col-md-6\"><h3>Details</h3><table class=\"table table-condensed message-details\"><tbody>");
        Detail(html, "Kind", E(m.Kind));
        Detail(html, "State", Label(m.State));
        Detail(html, "Chat", E(m.ChatId ?? (m.JobId is null ? "none yet (named when it is sent, if its feature can)" : "none (nobody to send to)")));
        if (m.OrderId is { } order) Detail(html, "Order", $"<a href=\"{Url.To("/messages")}?order={order}\">{order}</a> (all its messages)");
        if (m.MechanicId is { } mechanic) Detail(html, "Mechanic", E(mechanic));
        if (m.BookingId is { } booking) Detail(html, "Booking", $"<a href=\"{Url.To("/messages")}?booking={booking}\">{booking}</a> (all its messages)");
        if (m.CabinetId is { } cabinet) Detail(html, "WB cabinet", $"<a href=\"{Url.To("/messages")}?cabinet={cabinet}\">{cabinet}</a> (all its messages)");
        if (m.EventKey is not null) Detail(html, "Event key", E(m.EventKey));
        Detail(html, "Attempts", E(m.Attempts));
        if (m.LastError is not null) Detail(html, "Last error", $"<span class=\"text-danger last-error\">{E(m.LastError)}</span>");
        Detail(html, "Due", Time(m.DueAt));
        Detail(html, "Created", Time(m.CreatedAt));
        if (m.NextAttemptAt is not null) Detail(html, "Next attempt", Time(m.NextAttemptAt));
        if (m.ExpiresAt is not null) Detail(html, "Not sent after", Time(m.ExpiresAt));
        Detail(html, "Sent", Time(m.SentAt));
        Detail(html, "Finished", Time(m.FinishedAt));
        if (m.TelegramMessageId is { } tm) Detail(html, "Telegram message id", E(tm));
        Detail(html, "Hangfire job", JobCell(m));
        if (m.RequestId is not null) Detail(html, "Request id", $"<code>{E(m.RequestId)}</code> (search the logs for it)");
        Detail(html, "Dedup key", $"<code>{E(m.DedupKey)}</code>");
        html.Append("</tbody></table></div><div class=\"col-md-6\">");

        html.Append($"<h3>Text as sent <small>{E(m.ParseMode)}</small></h3><pre class=\"message-text\" style=\"white-space: pre-wrap\">{E(m.Text)}</pre>");
        if (m.PhotoUrl is not null) html.Append($"<p>Photo: <code class=\"photo-url\">{E(m.PhotoUrl)}</code> (the text is its caption)</p>");
        if (m.ReplyMarkup is not null) html.Append($"<p>Keyboard (<code>reply_markup</code>):</p><pre class=\"reply-markup\" style=\"white-space: pre-wrap\">{E(m.ReplyMarkup)}</pre>");
        html.Append("</div></div>");

        html.Append($"<h3>Attempts <small>{attempts.Count}</small></h3>");
        if (attempts.Count == 0)
        {
            html.Append("<p class=\"text-muted no-attempts\">Telegram has not been asked yet.</p>");
        }
        else
        {
            html.Append("<table class=\"table attempts\"><thead><tr><th class=\"min-width\">#</th><th class=\"min-width\">When</th><th class=\"min-width\">Result</th><th>Chat</th><th>Telegram's answer</th></tr></thead><tbody>");
            for (var i = 0; i < attempts.Count; i++)
            {
                var a = attempts[i];
                var result = a.Success ? "<span class=\"label label-success\">delivered</span>" : "<span class=\"label label-danger\">failed</span>";
                html.Append($"<tr class=\"attempt\"><td>{i + 1}</td><td class=\"min-width\">{Time(a.SentAt)}</td><td>{result}</td><td>{E(a.TelegramId)}</td><td class=\"word-break attempt-error\">{E(a.Error)}</td></tr>");
            }
            html.Append("</tbody></table>");
        }
        html.Append($"<p><a href=\"{Url.To("/messages")}\">All messages</a></p></div></div>");
    }

    private string JobCell(Message m)
    {
        if (m.JobId is null)
            return m.ChatId is null ? "none" : "none: sent by the recurring <code>delivery-dispatch</code> job";
        var state = jobExpired ? "expired (Hangfire keeps finished jobs for a day)" : E(jobState ?? "unknown");
        return $"<a href=\"{Url.JobDetails(m.JobId)}\" class=\"job-link\">#{E(m.JobId)}</a> <span class=\"job-state\">{state}</span>";
    }

    private static void Detail(StringBuilder html, string name, string valueHtml) =>
        html.Append($"<tr><th class=\"min-width\" style=\"white-space: nowrap\">{E(name)}</th><td class=\"word-break\">{valueHtml}</td></tr>");

    private static string? Str(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private static int? Int(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetInt32(i);

    private static DateTimeOffset? Time(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetFieldValue<DateTimeOffset>(i);

    private sealed record Message(long Id, string Kind, string DedupKey, string State, string? ChatId, string Text, string ParseMode, string? ReplyMarkup,
        string? PhotoUrl, int? OrderId, int? MechanicId, int? BookingId, long? CabinetId, string? EventKey, int Attempts, string? LastError,
        DateTimeOffset DueAt, DateTimeOffset? NextAttemptAt, DateTimeOffset? ExpiresAt, DateTimeOffset CreatedAt, DateTimeOffset? SentAt,
        DateTimeOffset? FinishedAt, int? TelegramMessageId, string? JobId, string? RequestId);

    private sealed record Attempt(DateTimeOffset SentAt, bool Success, string TelegramId, string? Error);
}
