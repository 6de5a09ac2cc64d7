using FelixHub.Core.Delivery;
using FelixHub.Core.Common;
using FelixHub.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace FelixHub.Core.Recipients;

/// <summary>
/// A chat's choices as the API shows them; a chat that never chose has everything on and no quiet hours
/// (<c>quietFrom</c>/<c>quietTo</c> null). <c>timeZone</c> and <c>quietMode</c> show what applies (defaults included).
/// </summary>
public sealed record RecipientPreferencesResponse(string TelegramId, bool StatusChanges, bool Assignments, bool Ready,
    string? QuietFrom, string? QuietTo, string TimeZone, string QuietMode, DateTimeOffset? UpdatedAt)
{
    public static RecipientPreferencesResponse From(string chatId, RecipientPreferences? p) =>
        new(chatId, p?.StatusChanges ?? true, p?.Assignments ?? true, p?.Ready ?? true,
            p?.QuietFrom is { } from ? QuietWindow.Format(from) : null, p?.QuietTo is { } to ? QuietWindow.Format(to) : null,
            p?.TimeZone ?? QuietWindow.DefaultTimeZone, p?.QuietMode ?? QuietModes.Hold, p?.UpdatedAt);
}

/// <summary>
/// A change of choices: a field left out (or null) is unchanged. Quiet hours: <c>quietFrom</c> and
/// <c>quietTo</c> (<c>HH:mm</c>) come together; both <c>""</c> remove the window. <c>timeZone</c> is an
/// IANA id; <c>quietMode</c> is <c>hold</c> or <c>silent</c>.
/// </summary>
public sealed record UpdateRecipientPreferencesRequest(bool? StatusChanges, bool? Assignments, bool? Ready,
    string? QuietFrom = null, string? QuietTo = null, string? TimeZone = null, string? QuietMode = null);

/// <summary>Reads and changes the order-notification choices of a Telegram chat (the API and the bot's <c>/settings</c>).</summary>
public sealed class RecipientPreferencesService(FelixHubDbContext db, TimeProvider time, DeliveryWaker waker)
{
    public async Task<RecipientPreferencesResponse> GetAsync(string chatId, CancellationToken ct)
    {
        Validate(chatId);
        var row = await db.Set<RecipientPreferences>().AsNoTracking().SingleOrDefaultAsync(p => p.ChatId == chatId, ct);
        return RecipientPreferencesResponse.From(chatId, row);
    }

    /// <summary>One statement (insert or update of the named fields), so two replicas changing different choices of one chat lose neither.</summary>
    public async Task<RecipientPreferencesResponse> UpdateAsync(string chatId, UpdateRecipientPreferencesRequest request, CancellationToken ct)
    {
        var (setWindow, from, to) = Validate(chatId, request);
        var now = time.GetUtcNow();
        var rows = await db.Set<RecipientPreferences>().FromSql($"""
            INSERT INTO recipient_preferences AS p (chat_id, status_changes, assignments, ready, quiet_from, quiet_to, time_zone, quiet_mode, updated_at)
            VALUES ({chatId}, coalesce({request.StatusChanges}, true), coalesce({request.Assignments}, true), coalesce({request.Ready}, true),
                {from}::time, {to}::time, {request.TimeZone}::varchar, {request.QuietMode}::varchar, {now})
            ON CONFLICT (chat_id) DO UPDATE SET
                status_changes = coalesce({request.StatusChanges}, p.status_changes),
                assignments = coalesce({request.Assignments}, p.assignments),
                ready = coalesce({request.Ready}, p.ready),
                quiet_from = CASE WHEN {setWindow} THEN {from}::time ELSE p.quiet_from END,
                quiet_to = CASE WHEN {setWindow} THEN {to}::time ELSE p.quiet_to END,
                time_zone = coalesce({request.TimeZone}::varchar, p.time_zone),
                quiet_mode = coalesce({request.QuietMode}::varchar, p.quiet_mode),
                updated_at = {now}
            RETURNING p.*
            """).AsNoTracking().ToListAsync(ct);
        if (setWindow || request.TimeZone is not null || request.QuietMode is not null)
        {
            // Messages held under the old window are due now: the dispatcher decides again under the new
            // one (sent, or held until the new window's end).
            var held = RecipientRules.HeldPrefix + "%";
            var released = await db.Database.ExecuteSqlAsync($"""
                UPDATE delivery_messages SET next_attempt_at = {now}
                WHERE chat_id = {chatId} AND state = 'pending' AND next_attempt_at > {now} AND last_error LIKE {held}
                """, ct);
            if (released > 0)
            {
                // Due now: every replica's waker hears it (NOTIFY), this one's at once.
                var payload = DeliveryWaker.Payload(now);
                await db.Database.ExecuteSqlAsync($"SELECT pg_notify({DeliveryWaker.Channel}, {payload})", ct);
                waker.Hint(now);
            }
        }
        return RecipientPreferencesResponse.From(chatId, rows.Single());
    }

    private static void Validate(string chatId) =>
        new Validator().Check(TelegramChatId.IsValid(chatId), "telegramId", "'telegramId' must be a numeric Telegram chat id or an @username.").ThrowIfInvalid();

    /// <summary>Checks a change; returns whether it sets (or, with both <c>""</c>, removes) the quiet window, and the window's bounds.</summary>
    private static (bool SetWindow, TimeOnly? From, TimeOnly? To) Validate(string chatId, UpdateRecipientPreferencesRequest r)
    {
        var v = new Validator()
            .Check(TelegramChatId.IsValid(chatId), "telegramId", "'telegramId' must be a numeric Telegram chat id or an @username.")
            .Check(r.QuietMode is null || QuietModes.IsValid(r.QuietMode), "quietMode", "'quietMode' must be 'hold' or 'silent'.")
            .Check(r.TimeZone is null || QuietWindow.TryZone(r.TimeZone, out _), "timeZone", "'timeZone' must be an IANA time zone, e.g. 'Europe/Moscow'.");
        TimeOnly? from = null, to = null;
        var clear = r.QuietFrom == "" && r.QuietTo == "";
        if (!clear && (r.QuietFrom is not null || r.QuietTo is not null))
        {
            v.Check(r.QuietFrom is not null, "quietFrom", "'quietFrom' is required with 'quietTo' (both HH:mm, or both \"\" to remove quiet hours).")
             .Check(r.QuietTo is not null, "quietTo", "'quietTo' is required with 'quietFrom' (both HH:mm, or both \"\" to remove quiet hours).");
            if (r.QuietFrom is not null && QuietWindow.TryParseTime(r.QuietFrom, out var f)) from = f;
            if (r.QuietTo is not null && QuietWindow.TryParseTime(r.QuietTo, out var t)) to = t;
            v.Check(r.QuietFrom is null || from is not null, "quietFrom", "'quietFrom' must be a time HH:mm (00:00–23:59), or \"\" with 'quietTo' \"\" to remove quiet hours.")
             .Check(r.QuietTo is null || to is not null, "quietTo", "'quietTo' must be a time HH:mm (00:00–23:59), or \"\" with 'quietFrom' \"\" to remove quiet hours.");
            if (from is { } a && to is { } b) v.Check(a != b, "quietTo", "'quietTo' must differ from 'quietFrom' (the window would be empty).");
        }
        v.ThrowIfInvalid();
        return (clear || (from is not null && to is not null), from, to);
    }
}
