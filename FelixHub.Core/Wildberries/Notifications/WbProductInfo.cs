namespace FelixHub.Core.Wildberries.Notifications;

/// <summary>What a message says about a product (from <c>wb_products</c>).</summary>
public sealed record WbProductInfo(long NmId, string? Name, string? Article, string? Brand, string? Subject, string? ImageUrl)
{
    public string DisplayName => !string.IsNullOrWhiteSpace(Name) ? Name! : !string.IsNullOrWhiteSpace(Subject) ? Subject! : $"Товар {NmId}";
}
