using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FelixHub.Core.Bookings;

internal sealed class UserConfiguration : IEntityTypeConfiguration<User>
{
    public void Configure(EntityTypeBuilder<User> b)
    {
        b.ToTable("booking_users");
        b.Property(u => u.TelegramId).HasMaxLength(50);
        b.Property(u => u.Name).HasMaxLength(200);
        b.HasIndex(u => u.TelegramId);
    }
}

internal sealed class BookingConfiguration : IEntityTypeConfiguration<Booking>
{
    public void Configure(EntityTypeBuilder<Booking> b)
    {
        b.ToTable("bookings", t =>
        {
            t.HasCheckConstraint("ck_bookings_end_after_start", "end_time > start_time");
            t.HasCheckConstraint("ck_bookings_status", $"status IN ('{BookingStatusCodes.Active}', '{BookingStatusCodes.Cancelled}')");
        });
        b.Property(x => x.ResourceName).HasMaxLength(BookingService.MaxResourceNameLength);
        b.Property(x => x.Status).HasMaxLength(20).HasConversion(s => s.ToCode(), s => BookingStatusCodes.FromCode(s));
        b.HasOne(x => x.User).WithMany().HasForeignKey(x => x.UserId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(x => x.UserId);
        b.HasIndex(x => x.StartTime);
    }
}

internal sealed class BookingNotificationConfiguration : IEntityTypeConfiguration<BookingNotification>
{
    public void Configure(EntityTypeBuilder<BookingNotification> b)
    {
        b.ToTable("booking_notifications", t =>
        {
            t.HasCheckConstraint("ck_booking_notifications_status",
                "status IN ('PENDING', 'PROCESSING', 'SENT', 'FAILED', 'CANCELLED')");
            t.HasCheckConstraint("ck_booking_notifications_type",
                "type IN ('BOOKING_24H', 'BOOKING_1H', 'BOOKING_START', 'BOOKING_END', 'BOOKING_CANCEL')");
            // The dispatcher only picks rows with a next attempt time; final rows have none.
            t.HasCheckConstraint("ck_booking_notifications_next_attempt",
                "(status IN ('PENDING', 'PROCESSING')) = (next_attempt_at IS NOT NULL)");
        });
        b.Property(n => n.Type).HasMaxLength(20).HasConversion(t => t.ToCode(), s => BookingNotificationTypeCodes.FromCode(s));
        b.Property(n => n.Status).HasMaxLength(20).HasConversion(s => s.ToCode(), s => BookingNotificationStatusCodes.FromCode(s));
        b.Property(n => n.Error).HasMaxLength(BookingReminderDispatcher.MaxErrorLength);
        b.HasOne(n => n.Booking).WithMany(x => x.Notifications).HasForeignKey(n => n.BookingId).OnDelete(DeleteBehavior.Cascade);
        b.HasOne(n => n.User).WithMany().HasForeignKey(n => n.UserId).OnDelete(DeleteBehavior.Cascade);

        // One reminder per booking and type: planning or cancelling twice cannot duplicate one.
        b.HasIndex(n => new { n.BookingId, n.Type }).IsUnique();
        b.HasIndex(n => n.UserId);
        // The dispatcher's query: due PENDING rows and PROCESSING rows whose lease ran out, oldest first.
        b.HasIndex(n => new { n.NextAttemptAt, n.Id })
            .HasFilter("status IN ('PENDING', 'PROCESSING')")
            .HasDatabaseName("ix_booking_notifications_due");
    }
}
