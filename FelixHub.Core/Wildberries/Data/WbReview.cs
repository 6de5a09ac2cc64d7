namespace FelixHub.Core.Wildberries.Data;

public sealed class WbReview
{
    public long Id { get; set; }
    public long CabinetId { get; set; }

    /// <summary>WB's feedback id.</summary>
    public required string ReviewId { get; set; }

    public long NmId { get; set; }
    public string? ProductName { get; set; }
    public string? SupplierArticle { get; set; }
    public string? Brand { get; set; }

    /// <summary>Stars, 1–5.</summary>
    public int Valuation { get; set; }

    public string? Text { get; set; }
    public DateTimeOffset CreatedDate { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}
