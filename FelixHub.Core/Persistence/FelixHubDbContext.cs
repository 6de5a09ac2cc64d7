using FelixHub.Core.Delivery;
using FelixHub.Core.Orders;
using Microsoft.EntityFrameworkCore;

namespace FelixHub.Core.Persistence;

/// <summary>The application schema. Each feature keeps its entity configurations beside its code.</summary>
public sealed class FelixHubDbContext(DbContextOptions<FelixHubDbContext> options) : DbContext(options)
{
    public DbSet<Mechanic> Mechanics => Set<Mechanic>();
    public DbSet<Order> Orders => Set<Order>();
    public DbSet<OrderStatusChange> OrderStatusChanges => Set<OrderStatusChange>();
    public DbSet<NotificationLog> NotificationLogs => Set<NotificationLog>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(FelixHubDbContext).Assembly);
}
