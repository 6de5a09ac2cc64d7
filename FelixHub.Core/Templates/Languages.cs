namespace FelixHub.Core.Templates;

/// <summary>
/// The languages FelixHub writes its messages in. A recipient's language is stored per Telegram chat
/// (<c>recipient_preferences.language</c>); a chat without one gets <see cref="Default"/> (Russian).
/// </summary>
public static class Languages
{
    public const string Russian = "ru";
    public const string English = "en";

    /// <summary>What a chat that never chose gets.</summary>
    public const string Default = Russian;

    public static IReadOnlyList<string> All { get; } = [Russian, English];

    public static bool IsValid(string? language) => language is Russian or English;

    /// <summary>A stored or requested language, or <see cref="Default"/> for none or an unknown one.</summary>
    public static string OrDefault(string? language) => IsValid(language) ? language! : Default;

    /// <summary>
    /// The language for Telegram's <c>language_code</c> (an IETF tag such as <c>en</c>, <c>en-GB</c>,
    /// <c>ru</c>): English for <c>en*</c>, Russian for everything else (and for none).
    /// </summary>
    public static string FromTelegram(string? languageCode) =>
        languageCode is { Length: >= 2 } code && code.StartsWith("en", StringComparison.OrdinalIgnoreCase)
        && (code.Length == 2 || code[2] is '-' or '_') ? English : Russian;
}
