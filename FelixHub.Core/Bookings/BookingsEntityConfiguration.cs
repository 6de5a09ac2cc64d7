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
