using FelixHub.Core.Orders;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FelixHub.Core.Inbox;

internal sealed class InboxNotificationConfiguration : IEntityTypeConfiguration<InboxNotification>
{
    public void Configure(EntityTypeBuilder<InboxNotification> b)
    {
        b.ToTable("inbox_notifications", t => t.HasCheckConstraint("ck_inbox_notifications_type",
            "type IN (" + string.Join(", ", InboxNotificationType.All.Select(x => $"'{x}'")) + ")"));
        b.Property(n => n.Id).ValueGeneratedNever();
        b.Property(n => n.Type).HasMaxLength(32);
        b.Property(n => n.Message).HasMaxLength(InboxService.MaxMessageLength);
        b.Property(n => n.Metadata).HasColumnType("jsonb");
        b.HasOne<Order>().WithMany().HasForeignKey(n => n.WorkOrderId).OnDelete(DeleteBehavior.SetNull);
        b.HasMany(n => n.Recipients).WithOne(r => r.Notification).HasForeignKey(r => r.NotificationId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(n => n.WorkOrderId);
        b.HasIndex(n => n.CreatedAt);
    }
}

internal sealed class InboxRecipientConfiguration : IEntityTypeConfiguration<InboxRecipient>
{
    public void Configure(EntityTypeBuilder<InboxRecipient> b)
    {
        b.ToTable("inbox_recipients");
        b.HasKey(r => new { r.NotificationId, r.UserId });
        b.Property(r => r.UserId).HasMaxLength(InboxUserId.MaxLength);
        // A user's list, and (partial) their unread count, without touching anyone else's rows.
        b.HasIndex(r => r.UserId, "ByUser").HasDatabaseName("ix_inbox_recipients_user_id");
        b.HasIndex(r => r.UserId, "UnreadByUser").HasFilter("read_at IS NULL").HasDatabaseName("ix_inbox_recipients_unread");
        // Retention deletes what was read longest ago.
        b.HasIndex(r => r.ReadAt, "ByReadAt").HasFilter("read_at IS NOT NULL").HasDatabaseName("ix_inbox_recipients_read_at");
    }
}
