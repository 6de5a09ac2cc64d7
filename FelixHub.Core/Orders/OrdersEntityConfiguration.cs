using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FelixHub.Core.Orders;

internal sealed class MechanicConfiguration : IEntityTypeConfiguration<Mechanic>
{
    public void Configure(EntityTypeBuilder<Mechanic> b)
    {
        b.ToTable("mechanics");
        b.Property(m => m.Name).HasMaxLength(200);
        b.Property(m => m.TelegramId).HasMaxLength(50);
        b.HasIndex(m => m.TelegramId);
    }
}

internal sealed class OrderConfiguration : IEntityTypeConfiguration<Order>
{
    public void Configure(EntityTypeBuilder<Order> b)
    {
        b.ToTable("orders");
        b.Property(o => o.CarNumber).HasMaxLength(20);
        b.Property(o => o.Category).HasMaxLength(100);
        b.Property(o => o.Status).HasMaxLength(20);
        b.Property(o => o.CustomerTelegramId).HasMaxLength(50);
        b.HasOne(o => o.AssignedMechanic).WithMany().HasForeignKey(o => o.AssignedMechanicId).OnDelete(DeleteBehavior.SetNull);
        b.HasIndex(o => new { o.Status, o.StatusChangedAt });
        b.HasIndex(o => o.CreatedAt);
    }
}

internal sealed class OrderStatusChangeConfiguration : IEntityTypeConfiguration<OrderStatusChange>
{
    public void Configure(EntityTypeBuilder<OrderStatusChange> b)
    {
        b.ToTable("order_status_changes");
        b.Property(c => c.OldStatus).HasMaxLength(20);
        b.Property(c => c.NewStatus).HasMaxLength(20);
        b.Property(c => c.RequestId).HasMaxLength(64);
        b.HasOne(c => c.Order).WithMany().HasForeignKey(c => c.OrderId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(c => c.ChangedAt);
        b.HasIndex(c => c.OrderId);
        // Tiny: only the changes whose notification is not yet enqueued (normally none for more than a moment).
        b.HasIndex(c => c.Id, "NotificationPending").HasFilter("notification_pending").HasDatabaseName("ix_order_status_changes_notification_pending");
    }
}

internal sealed class NotificationLogConfiguration : IEntityTypeConfiguration<NotificationLog>
{
    public void Configure(EntityTypeBuilder<NotificationLog> b)
    {
        b.ToTable("notification_logs");
        b.Property(l => l.NotificationType).HasMaxLength(50);
        b.Property(l => l.TelegramId).HasMaxLength(50);
        b.Property(l => l.MessageHash).HasMaxLength(64).IsFixedLength(false);
        b.Property(l => l.SentAt).HasDefaultValueSql("now()");
        b.HasOne<Order>().WithMany().HasForeignKey(l => l.OrderId).OnDelete(DeleteBehavior.SetNull);
        b.HasOne<Mechanic>().WithMany().HasForeignKey(l => l.MechanicId).OnDelete(DeleteBehavior.SetNull);
        // At most one successful send per message: the database, not the code, has the last word.
        b.HasIndex(l => l.MessageHash).IsUnique().HasFilter("success").HasDatabaseName("ux_notification_logs_message_hash_sent");
        b.HasIndex(l => new { l.NotificationType, l.SentAt });
        // Metrics and alerts read time windows of the log (success rate, failures) — see docs/operations.md.
        b.HasIndex(l => l.SentAt, "BySentAt").HasDatabaseName("ix_notification_logs_sent_at")
            .IncludeProperties(l => new { l.NotificationType, l.Success }); // index-only scans for success rates
        b.HasIndex(l => l.SentAt, "FailuresBySentAt").HasFilter("NOT success").HasDatabaseName("ix_notification_logs_failures_sent_at");
        b.HasIndex(l => l.OrderId);
    }
}
