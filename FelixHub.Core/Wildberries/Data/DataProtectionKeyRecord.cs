namespace FelixHub.Core.Wildberries.Data;

/// <summary>One Data Protection key (its XML), so every replica reads the same key ring and can decrypt every cabinet's API key.</summary>
public sealed class DataProtectionKeyRecord
{
    public int Id { get; set; }
    public string? FriendlyName { get; set; }
    public required string Xml { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}
