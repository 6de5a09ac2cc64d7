using FelixHub.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace FelixHub.Core.Delivery;

/// <summary>The delivery tables as sets of the application's DbContext.</summary>
public static class DeliveryDbSets
{
    extension(FelixHubDbContext db)
    {
        public DbSet<DeliveryMessage> DeliveryMessages => db.Set<DeliveryMessage>();
        public DbSet<NotificationLog> NotificationLogs => db.Set<NotificationLog>();
    }
}
