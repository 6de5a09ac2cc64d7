using FelixHub.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace FelixHub.Core.Orders;

/// <summary>The order tables as sets of the application's DbContext.</summary>
public static class OrdersDbSets
{
    extension(FelixHubDbContext db)
    {
        public DbSet<Mechanic> Mechanics => db.Set<Mechanic>();
        public DbSet<Order> Orders => db.Set<Order>();
        public DbSet<OrderStatusChange> OrderStatusChanges => db.Set<OrderStatusChange>();
    }
}
