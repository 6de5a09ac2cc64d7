using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace FelixHub.Core.Inbox;

/// <summary>
/// A user id of the office platform or the technician app: opaque to FelixHub, 1–100 characters of
/// <c>A-Z a-z 0-9 . _ : @ -</c>. Technician ids may be sent as JSON integers (seed 002 has
/// <c>technician_id INTEGER</c>); they become their decimal text.
/// </summary>
public static partial class InboxUserId
{
    public const int MaxLength = 100;

    public static bool IsValid(string? value) => value is not null && Pattern().IsMatch(value);

    [GeneratedRegex("^[A-Za-z0-9._:@-]{1,100}$")]
    private static partial Regex Pattern();
}

/// <summary>Reads a user id given as a JSON string or integer.</summary>
public sealed class InboxUserIdJsonConverter : JsonConverter<string>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.Number when reader.TryGetInt64(out var number) => number.ToString(System.Globalization.CultureInfo.InvariantCulture),
        JsonTokenType.Null => null,
        _ => throw new JsonException("A user id must be a string or an integer."),
    };

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
}

/// <summary>Reads a list of user ids, each a JSON string or integer (see <see cref="InboxUserIdJsonConverter"/>).</summary>
public sealed class InboxUserIdListJsonConverter : JsonConverter<List<string>>
{
    private static readonly InboxUserIdJsonConverter Item = new();

    public override List<string>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null) return null;
        if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException("User ids must be an array of strings or integers.");
        var ids = new List<string>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType == JsonTokenType.Null) throw new JsonException("A user id must be a string or an integer.");
            ids.Add(Item.Read(ref reader, typeof(string), options)!);
        }
        return ids;
    }

    public override void Write(Utf8JsonWriter writer, List<string> value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        foreach (var id in value) writer.WriteStringValue(id);
        writer.WriteEndArray();
    }
}
