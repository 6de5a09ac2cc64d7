namespace FelixHub.Core.Orders;

/// <summary>The order statuses of the admin panel, in their usual order.</summary>
public static class OrderStatus
{
    public const string New = "новый";
    public const string InProgress = "в работе";
    public const string Ready = "готов";
    public const string Issued = "выдан";

    public static IReadOnlyList<string> All { get; } = [New, InProgress, Ready, Issued];

    public static bool IsValid(string? status) => status is not null && All.Contains(status, StringComparer.Ordinal);
}
