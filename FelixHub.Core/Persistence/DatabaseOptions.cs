using System.ComponentModel.DataAnnotations;

namespace FelixHub.Core.Persistence;

public sealed class DatabaseOptions
{
    /// <summary>Applies pending EF Core migrations when the worker starts (safe with several replicas: EF takes a lock).</summary>
    public bool MigrateOnStartup { get; set; } = true;

    /// <summary>Most connections one worker opens for the application schema (Hangfire has its own pool).</summary>
    [Range(2, 500)]
    public int MaxPoolSize { get; set; } = 50;
}
