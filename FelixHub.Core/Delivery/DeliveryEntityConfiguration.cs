using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FelixHub.Core.Delivery;

internal sealed class DeliveryMessageConfiguration : IEntityTypeConfiguration<DeliveryMessage>
{
    public void Configure(EntityTypeBuilder<DeliveryMessage> b)
    {
        b.ToTable("delivery_messages", t => t.HasCheckConstraint("ck_delivery_messages_state",
            $"state IN ({string.Join(", ", DeliveryStates.All.Select(s => $"'{s}'"))})"));
        b.Property(m => m.Kind).HasMaxLength(50);
        b.Property(m => m.DedupKey).HasMaxLength(64);
        b.Property(m => m.EventKey).HasMaxLength(200);
        b.Property(m => m.ChatId).HasMaxLength(50);
        b.Property(m => m.ParseMode).HasMaxLength(16).HasDefaultValue("HTML");
        b.Property(m => m.ReplyMarkup).HasColumnType("jsonb");
        b.Property(m => m.State).HasMaxLength(16).HasDefaultValue(DeliveryStates.Pending);
        b.Property(m => m.Attempts).HasDefaultValue(0);
        b.Property(m => m.UnrecordedClaims).HasDefaultValue(0);
        b.Property(m => m.JobId).HasMaxLength(64);
        b.Property(m => m.RequestId).HasMaxLength(64);
        // One message per cause and recipient, whatever writes it and however often.
        b.HasIndex(m => m.DedupKey).IsUnique();
        b.HasIndex(m => m.OrderId);
        b.HasIndex(m => m.CreatedAt);
        b.HasIndex(m => m.BookingId);
        // The dashboard's Messages filters by recipient and by WB cabinet (both written once, never updated).
        b.HasIndex(m => m.ChatId);
        b.HasIndex(m => m.CabinetId).HasFilter("cabinet_id IS NOT NULL");
        // Deactivating a mechanic cancels their messages not gone out yet.
        b.HasIndex(m => m.MechanicId).HasFilter("mechanic_id IS NOT NULL AND state IN ('pending', 'sending')");
        // The dispatcher's due messages: only those on the dispatch path and not final carry a next attempt.
        b.HasIndex(m => m.NextAttemptAt).HasFilter("next_attempt_at IS NOT NULL").HasDatabaseName("ix_delivery_messages_due");
        // Rates and alerts count finished messages in a time window (index-only).
        b.HasIndex(m => m.FinishedAt).IncludeProperties(m => new { m.Kind, m.State }).HasFilter("finished_at IS NOT NULL");
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
        // At most one successful send per message: the database, not the code, has the last word.
        b.HasIndex(l => l.MessageHash).IsUnique().HasFilter("success").HasDatabaseName("ux_notification_logs_message_hash_sent");
        b.HasIndex(l => new { l.NotificationType, l.SentAt });
        b.HasIndex(l => l.SentAt, "FailuresBySentAt").HasFilter("NOT success").HasDatabaseName("ix_notification_logs_failures_sent_at");
        b.HasIndex(l => l.OrderId);
        // Retention deletes the oldest attempts first.
        b.HasIndex(l => l.SentAt, "BySentAt").HasDatabaseName("ix_notification_logs_sent_at");
    }
}
