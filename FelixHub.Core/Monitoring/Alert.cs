namespace FelixHub.Core.Monitoring;

public static class AlertSeverity
{
    public const string Warning = "warning";
    public const string Critical = "critical";
}

/// <summary>One alert condition that holds now.</summary>
public sealed record Alert(string Rule, string Severity, string Message, double? Value = null, double? Threshold = null);
