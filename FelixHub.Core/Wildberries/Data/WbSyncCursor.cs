namespace FelixHub.Core.Wildberries.Data;

/// <summary>Where the next sync of one endpoint resumes: committed with the page it follows.</summary>
public sealed class WbSyncCursor
{
    public long CabinetId { get; set; }
    public required string Endpoint { get; set; }

    /// <summary>For statistics, the last row's <c>lastChangeDate</c> exactly as WB sent it; for feedbacks, Unix seconds.</summary>
    public required string Cursor { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}
