using FelixHub.Core.Bookings;
using FelixHub.Core.OrderNotifications;

namespace FelixHub.Core.Recipients;

/// <summary>
/// Which order notifications one Telegram chat wants (<c>recipient_preferences</c>), on top of the global
/// flags: a mechanic's or a customer's choice, set in the bot (<c>/settings</c>) or through
/// <c>PUT /api/recipients/{telegramId}/preferences</c>. A chat without a row gets everything.
/// </summary>
public sealed class RecipientPreferences
{
    public required string ChatId { get; set; }

    /// <summary>Status changes: the mechanic's <c>mechanic_status_change</c>, the customer's <c>customer_status_change</c>.</summary>
    public bool StatusChanges { get; set; } = true;

    /// <summary>A new assignment (<c>mechanic_assignment</c>).</summary>
    public bool Assignments { get; set; } = true;

    /// <summary>«Заказ готов» (<c>customer_order_ready</c>).</summary>
    public bool Ready { get; set; } = true;

    /// <summary>Quiet hours: the daily window's start and end (local wall time in <see cref="TimeZone"/>); both null = no quiet hours.</summary>
    public TimeOnly? QuietFrom { get; set; }

    public TimeOnly? QuietTo { get; set; }

    /// <summary>The IANA time zone of the window; null = <see cref="QuietWindow.DefaultTimeZone"/>.</summary>
    public string? TimeZone { get; set; }

    /// <summary><see cref="QuietModes.Hold"/> or <see cref="QuietModes.Silent"/>; null = hold.</summary>
    public string? QuietMode { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>A choice a recipient can make, and the kinds of message it covers.</summary>
public enum RecipientPreference
{
    StatusChanges,
    Assignments,
    Ready,
}

/// <summary>
/// The one place that decides whether a recipient still wants a message: the delivery pipeline asks it
/// for every message at send time (own-job sends and dispatch batches alike), so a choice made after a
/// message was written still counts. A message turned off is <c>skipped</c> with the reason, and no
/// attempt is logged: nothing was tried, nothing failed.
/// </summary>
public static class RecipientRules
{
    /// <summary>The preference that covers a kind of message, or null when no recipient choice applies to it.</summary>
    public static RecipientPreference? PreferenceFor(string kind) => kind switch
    {
        OrderNotificationTypes.MechanicStatusChange or OrderNotificationTypes.CustomerStatusChange => RecipientPreference.StatusChanges,
        OrderNotificationTypes.MechanicAssignment => RecipientPreference.Assignments,
        OrderNotificationTypes.CustomerOrderReady => RecipientPreference.Ready,
        _ => null,
    };

    /// <summary>Why a message of <paramref name="kind"/> is not sent to a chat with these choices (<c>[statusChanges, assignments, ready]</c>), or null to send it.</summary>
    public static string? Withdrawn(string kind, bool statusChanges, bool assignments, bool ready) => PreferenceFor(kind) switch
    {
        RecipientPreference.StatusChanges when !statusChanges => TurnedOff("status changes"),
        RecipientPreference.Assignments when !assignments => TurnedOff("assignments"),
        RecipientPreference.Ready when !ready => TurnedOff("order ready"),
        _ => null,
    };

    private static string TurnedOff(string what) => $"Not sent: the recipient turned off {what}.";

    /// <summary>
    /// The SQL a locking query joins to read a message's recipient choices in the same round trip:
    /// <c>LEFT JOIN recipient_preferences rp ON rp.chat_id = &lt;chat&gt;</c>, then these three columns
    /// (a missing row reads as everything on).
    /// </summary>
    public const string Columns = "coalesce(rp.status_changes, true), coalesce(rp.assignments, true), coalesce(rp.ready, true)";

    /// <summary>The quiet-hours columns of the same join, in the order <see cref="QuietWindow.Stored"/> takes them (all null without a row).</summary>
    public const string QuietColumns = "rp.quiet_from, rp.quiet_to, rp.time_zone, rp.quiet_mode";

    /// <summary>Kinds that must not wait for a quiet window's end (a booking starting now, its cancellation): sent at once, silently, even in hold mode.</summary>
    public static bool MustNotWait(string kind) => kind is BookingNotificationTypeCodes.BookingStart or BookingNotificationTypeCodes.BookingCancel;

    /// <summary>
    /// What the chat's quiet hours make of a message of <paramref name="kind"/> due <paramref name="now"/>:
    /// outside the window (or none) it goes out normally; inside, in <c>silent</c> mode (or a kind that
    /// must not wait) at once without sound; in <c>hold</c> mode it waits until the window ends. A message
    /// that would expire (<paramref name="expiresAt"/>) before the window ends is not held into its expiry:
    /// it goes out at once, silently.
    /// </summary>
    public static QuietDecision Quiet(string kind, QuietWindow? window, DateTimeOffset now, DateTimeOffset? expiresAt)
    {
        if (window?.EndIfInside(now) is not { } end) return QuietDecision.Normal;
        if (window.Mode == QuietModes.Silent || MustNotWait(kind)) return QuietDecision.SendSilently;
        if (expiresAt is { } expires && expires <= end) return QuietDecision.SendSilently;
        return QuietDecision.Hold(end);
    }

    /// <summary>How <see cref="Held"/> starts: marks a message held for quiet hours (not one waiting for a retry).</summary>
    public const string HeldPrefix = "Held: the recipient's quiet hours";

    /// <summary>What a held message shows in <c>last_error</c> while it waits (not an error: nothing was tried).</summary>
    public static string Held(DateTimeOffset until) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{HeldPrefix} end at {until.UtcDateTime:yyyy-MM-dd HH:mm} UTC.");
}
