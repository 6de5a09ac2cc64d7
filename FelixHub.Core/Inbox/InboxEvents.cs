using System.Text.Json;

namespace FelixHub.Core.Inbox;

/// <summary>
/// The server events of seed 002's front ends, <c>{type, data}</c>. The one they handle is
/// <c>dashboard.notification.update</c>: <c>data.notification</c> (id, type, message, priority,
/// metadata, timestamp, read) for a new notification, and <c>data.unread_count</c> always.
/// </summary>
public static class InboxEvents
{
    public const string NotificationUpdate = "dashboard.notification.update";

    /// <summary>A new notification for one user, with that user's unread count once it has arrived.</summary>
    public static byte[] NewNotification(InboxNotification n, bool read, int unreadCount) => Write(w =>
    {
        w.WriteStartObject("notification");
        w.WriteString("id", n.Id);
        w.WriteString("type", n.Type);
        w.WriteString("message", n.Message);
        w.WriteNumber("priority", n.Priority);
        w.WritePropertyName("metadata");
        w.WriteRawValue(n.Metadata);
        w.WriteString("timestamp", n.CreatedAt.ToUniversalTime());
        w.WriteBoolean("read", read);
        w.WriteEndObject();
        w.WriteNumber("unread_count", unreadCount);
    });

    /// <summary>
    /// The unread count alone (as seed 002's <c>mark_as_read</c> sends it): after a notification was
    /// read (<c>read_notification_id</c> names it), on connect, and after the backplane reconnected.
    /// </summary>
    public static byte[] UnreadCount(int unreadCount, Guid? readNotificationId = null) => Write(w =>
    {
        w.WriteNumber("unread_count", unreadCount);
        if (readNotificationId is { } id) w.WriteString("read_notification_id", id);
    });

    private static byte[] Write(Action<Utf8JsonWriter> data)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("type", NotificationUpdate);
            w.WriteStartObject("data");
            data(w);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }
}
