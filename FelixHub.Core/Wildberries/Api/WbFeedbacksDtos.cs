namespace FelixHub.Core.Wildberries.Api;

/// <summary><c>GET /api/v1/feedbacks</c>: <c>{data: {feedbacks: [...]}, error, errorText}</c>.</summary>
public sealed record WbFeedbacksEnvelope
{
    public WbFeedbacksData? Data { get; init; }
    public bool Error { get; init; }
    public string? ErrorText { get; init; }
}

public sealed record WbFeedbacksData
{
    public List<WbFeedback> Feedbacks { get; init; } = [];
}

public sealed record WbFeedback
{
    public string Id { get; init; } = "";
    public string? Text { get; init; }
    public string? Pros { get; init; }
    public string? Cons { get; init; }
    public int ProductValuation { get; init; }
    public WbDate CreatedDate { get; init; }
    public WbProductDetails? ProductDetails { get; init; }
}

public sealed record WbProductDetails
{
    public long NmId { get; init; }
    public string? ProductName { get; init; }
    public string? SupplierArticle { get; init; }
    public string? BrandName { get; init; }
}
