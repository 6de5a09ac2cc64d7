using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace FelixHub.Core.Common;

/// <summary>What FelixHub accepts as a Telegram chat id: a numeric id (negative for groups) or an @username.</summary>
public static partial class TelegramChatId
{
    public const int MaxLength = 50;

    /// <summary>What the API's documentation and its 400 answers say a <c>telegramId</c> is.</summary>
    public const string Expected = "a Telegram id: a JSON string (\"123456789\", \"-1001234567890\" or \"@username\") or a JSON integer";

    public static bool IsValid(string? value) => value is not null && Pattern().IsMatch(value);

    /// <summary>
    /// A Telegram user's id where it is stored as a number (WB cabinets' users, <c>BIGINT</c>): a
    /// positive integer, given as text. An @username or a group's negative id is not a user id.
    /// </summary>
    public static bool TryParseUserId(string? value, out long id) =>
        long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out id) && id > 0;

    [GeneratedRegex(@"^(-?[0-9]{1,20}|@[A-Za-z][A-Za-z0-9_]{3,31})$")]
    private static partial Regex Pattern();
}

/// <summary>
/// One way to write a Telegram id in the API: the model holds a string (seed 000 stores
/// <c>VARCHAR(50)</c>); a request may send a JSON string or a JSON integer, which becomes its decimal
/// text; an answer always writes a string. Whether the text is a valid chat id is the validators' job.
/// </summary>
public sealed class TelegramIdJsonConverter : JsonConverter<string>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.Number when reader.TryGetInt64(out var number) => number.ToString(CultureInfo.InvariantCulture),
        JsonTokenType.Null => null,
        _ => throw new JsonException($"Expected {TelegramChatId.Expected}."),
    };

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
}
