namespace FelixHub.Core.Inbox;

/// <summary>
/// Priorities are integers, as in seed 002's <c>Notification.priority</c>: a work-order update's
/// status notification is 1, an issue 2, an office alert 3. A manual notification's priority arrives
/// as seed 002's label (<c>manual_notifications.priority</c>, default <c>normal</c>) and is mapped:
/// low 0, normal 1, high 2, urgent 3; the label itself is kept in the metadata as <c>priority</c>.
/// </summary>
public static class InboxPriority
{
    public const int StatusUpdate = 1;
    public const int IssueDetected = 2;
    public const int OfficeAlert = 3;

    public const string DefaultLabel = "normal";

    public static IReadOnlyDictionary<string, int> Labels { get; } = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["low"] = 0,
        ["normal"] = 1,
        ["high"] = 2,
        ["urgent"] = 3,
    };

    /// <summary>The label in lower case and its number, or false for an unknown label.</summary>
    public static bool TryParse(string? label, out string normalized, out int priority)
    {
        normalized = (label ?? DefaultLabel).Trim().ToLowerInvariant();
        return Labels.TryGetValue(normalized, out priority);
    }
}
