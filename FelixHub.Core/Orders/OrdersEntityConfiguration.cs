using FelixHub.Core.Delivery;
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
    }
}

/// <summary>The attempt log's and the ledger's references to orders and mechanics (kept when they are deleted).</summary>
internal sealed class OrderReferencesConfiguration : IEntityTypeConfiguration<Order>, IEntityTypeConfiguration<Mechanic>
{
    public void Configure(EntityTypeBuilder<Order> b) =>
        b.HasMany<NotificationLog>().WithOne().HasForeignKey(l => l.OrderId).OnDelete(DeleteBehavior.SetNull);

    public void Configure(EntityTypeBuilder<Mechanic> b) =>
        b.HasMany<NotificationLog>().WithOne().HasForeignKey(l => l.MechanicId).OnDelete(DeleteBehavior.SetNull);
}
