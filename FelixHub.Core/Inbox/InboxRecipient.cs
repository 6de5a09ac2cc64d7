namespace FelixHub.Core.Inbox;

/// <summary>One user's copy of a notification: the read state is per recipient.</summary>
public sealed class InboxRecipient
{
    public Guid NotificationId { get; set; }
    public InboxNotification? Notification { get; set; }

    /// <summary>The front end's user id (see <see cref="InboxUserId"/>).</summary>
    public required string UserId { get; set; }

    public DateTimeOffset? ReadAt { get; set; }
}
