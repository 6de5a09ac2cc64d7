using Microsoft.EntityFrameworkCore;

namespace FelixHub.Core.Persistence;

/// <summary>
/// The application schema. Each feature keeps its entity configurations, and the sets it reads
/// (<c>db.Orders</c>, ...), beside its code, so persistence depends on no feature.
/// </summary>
public sealed class FelixHubDbContext(DbContextOptions<FelixHubDbContext> options) : DbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(FelixHubDbContext).Assembly);
}
