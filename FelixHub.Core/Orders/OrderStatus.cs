namespace FelixHub.Core.Orders;

/// <summary>The order statuses of the admin panel, in their usual order.</summary>
public static class OrderStatus
{
    public const string New = "новый";
    public const string InProgress = "в работе";
    public const string Ready = "готов";
    public const string Issued = "выдан";

    public static IReadOnlyList<string> All { get; } = [New, InProgress, Ready, Issued];

    /// <summary>How a status is written in a message in <paramref name="language"/>: as stored in Russian, translated in English.</summary>
    public static string Label(string status, string language) => language != Templates.Languages.English ? status : status switch
    {
        New => "new",
        InProgress => "in progress",
        Ready => "ready",
        Issued => "issued",
        _ => status,
    };

    public static bool IsValid(string? status) => status is not null && All.Contains(status, StringComparer.Ordinal);

    /// <summary>
    /// The step a mechanic takes on an order in <paramref name="status"/> from their Telegram message:
    /// «новый» → «в работе», «в работе» → «готов». Null when there is none for them (handing the car
    /// over, «выдан», is the office's). The admin panel may set any status; this is the mechanic's path.
    /// </summary>
    public static string? MechanicNextStep(string status) => status switch
    {
        New => InProgress,
        InProgress => Ready,
        _ => null,
    };
}
