using System.Text.RegularExpressions;

namespace FelixHub.Core.Common;

/// <summary>What FelixHub accepts as a Telegram chat id: a numeric id (negative for groups) or an @username.</summary>
public static partial class TelegramChatId
{
    public const int MaxLength = 50;

    public static bool IsValid(string? value) => value is not null && Pattern().IsMatch(value);

    [GeneratedRegex(@"^(-?[0-9]{1,20}|@[A-Za-z][A-Za-z0-9_]{3,31})$")]
    private static partial Regex Pattern();
}
