namespace FelixHub.Core.Wildberries.Data;

/// <summary>What messages say about a product: the card's title and first photo when known, else what orders and reviews told.</summary>
public sealed class WbProduct
{
    public long Id { get; set; }
    public long CabinetId { get; set; }
    public long NmId { get; set; }
    public string? Name { get; set; }
    public string? Article { get; set; }
    public string? Brand { get; set; }
    public string? Subject { get; set; }
    public string? ImageUrl { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}
