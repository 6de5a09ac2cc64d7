namespace FelixHub.Core.Common;

/// <summary>Feature flags as the seeds define them: <c>true</c>, <c>1</c> or <c>yes</c> in any case enable; anything else disables.</summary>
public static class FeatureFlag
{
    public static bool IsOn(string? value) =>
        value?.Trim().ToUpperInvariant() is "TRUE" or "1" or "YES";
}
