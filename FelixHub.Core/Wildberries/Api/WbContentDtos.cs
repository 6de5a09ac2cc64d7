using System.Text.Json.Serialization;

namespace FelixHub.Core.Wildberries.Api;

/// <summary>Body of <c>POST /content/v2/get/cards/list</c>: a cursor walk over the seller's cards.</summary>
public sealed record WbCardsRequest(WbCardsSettings Settings)
{
    public static WbCardsRequest Page(int limit, string? updatedAt, long? nmId) =>
        new(new WbCardsSettings(new WbCardsCursor(limit, updatedAt, nmId), new WbCardsFilter(-1)));
}

public sealed record WbCardsSettings(WbCardsCursor Cursor, WbCardsFilter Filter);

public sealed record WbCardsCursor(
    int Limit,
    string? UpdatedAt,
    [property: JsonPropertyName("nmID")] long? NmId);

public sealed record WbCardsFilter(int WithPhoto);

public sealed record WbCardsResponse
{
    public List<WbCard> Cards { get; init; } = [];
    public WbCardsResponseCursor? Cursor { get; init; }
}

public sealed record WbCardsResponseCursor
{
    public string? UpdatedAt { get; init; }

    [JsonPropertyName("nmID")]
    public long? NmId { get; init; }
    public int Total { get; init; }
}

public sealed record WbCard
{
    [JsonPropertyName("nmID")]
    public long NmId { get; init; }
    public string? VendorCode { get; init; }
    public string? Brand { get; init; }
    public string? Title { get; init; }
    public string? SubjectName { get; init; }
    public List<WbCardPhoto> Photos { get; init; } = [];
}

public sealed record WbCardPhoto
{
    public string? Big { get; init; }
}
