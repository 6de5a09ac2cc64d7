using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace FelixHub.Core.Persistence;

/// <summary>Lets <c>dotnet ef migrations add</c> build the model without a running database.</summary>
internal sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<FelixHubDbContext>
{
    public FelixHubDbContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<FelixHubDbContext>();
        options.UseFelixHubNpgsql("Host=localhost;Database=felixhub_design");
        return new FelixHubDbContext(options.Options);
    }
}
