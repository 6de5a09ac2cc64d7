using System.Collections;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;
using FelixHub.Core.Common;
using FelixHub.Core.Inbox;

namespace FelixHub.Worker.Hosting;

/// <summary>
/// Says what is wrong with a request body the JSON reader refused, in the request's terms: the field
/// (from the exception's JSON path, <c>$.telegramId</c> → <c>telegramId</c>) and what it expects
/// there, found by walking the endpoint's body type with the host's serializer options. Never CLR
/// type names or the serializer's own messages.
/// </summary>
internal static partial class JsonBodyErrors
{
    public const string BodyField = "body";

    /// <summary>The field a <see cref="JsonException"/> points at and what was expected there.</summary>
    public static (string Field, string Message) Describe(JsonException json, Type? bodyType, JsonSerializerOptions options)
    {
        var segments = Segments(json.Path);
        var field = segments.Count == 0 ? BodyField : Render(segments);

        // The reader's own exception (a subclass, which the serializer wraps) means the text is not
        // JSON at all; a converter or the serializer throws JsonException itself for the wrong shape.
        if (json.GetType() != typeof(JsonException) || json.InnerException is JsonException)
            return (field, $"The body is not valid JSON{Position(json)}.");

        if (UnmappedMember().Match(json.Message) is { Success: true } unmapped)
        {
            var name = unmapped.Groups["name"].Value;
            var parent = segments.Count > 0 && Equals(segments[^1], name) ? segments[..^1] : segments;
            var known = bodyType is null ? null : Known(Resolve(bodyType, parent, options)?.Type ?? bodyType, options);
            var unknownField = parent.Count == 0 ? name : Render(parent) + "." + name;
            return (unknownField, $"'{name}' is not a field of this request" + (known is { Length: > 0 } ? $"; the fields are {known}." : "."));
        }

        if (json.InnerException is InvalidOperationException text && text.Message.Contains("UTF-", StringComparison.Ordinal))
            return (field, segments.Count == 0 ? "The body is not valid Unicode text." : $"'{field}' is not valid Unicode text (invalid UTF-8 or a lone surrogate).");

        var target = bodyType is null ? null : Resolve(bodyType, segments, options);
        if (target is null)
            return (field, segments.Count == 0 ? "The body must be a JSON object." : $"'{field}' has the wrong JSON type.");
        return (field, segments.Count == 0
            ? $"The body must be {Expected(target.Value.Type, target.Value.Converter)}."
            : $"'{field}' must be {Expected(target.Value.Type, target.Value.Converter)}.");
    }

    /// <summary>
    /// A request the framework refused before any JSON was read: a route or query value that does
    /// not parse, a required value missing, no body at all. The framework's message names the
    /// parameter in C# terms; the answer names it as the request does.
    /// </summary>
    public static (string Field, string Message) DescribeBinding(string message)
    {
        if (FailedToBind().Match(message) is { Success: true } bind)
        {
            var name = bind.Groups["name"].Value;
            return (name, $"'{name}' must be {ExpectedFromCSharpName(bind.Groups["type"].Value)}.");
        }
        if (NotProvided().Match(message) is { Success: true } missing)
        {
            var name = missing.Groups["name"].Value;
            return missing.Groups["source"].Value == "body" ? (BodyField, "A JSON object is required.") : (name, $"'{name}' is required.");
        }
        if (message.Contains("no body was provided", StringComparison.Ordinal))
            return (BodyField, "A JSON object is required.");
        return (BodyField, message);
    }

    private static string ExpectedFromCSharpName(string type)
    {
        if (type.StartsWith("Nullable<", StringComparison.Ordinal) && type.EndsWith('>')) type = type["Nullable<".Length..^1];
        return type.TrimEnd('?') switch
        {
            "int" or "Int32" => Expected(typeof(int)),
            "long" or "Int64" => Expected(typeof(long)),
            "bool" or "Boolean" => "true or false",
            "Guid" => "a UUID",
            "DateTimeOffset" or "DateTime" => "an ISO 8601 timestamp",
            "double" or "decimal" or "float" => "a number",
            _ => "a valid value",
        };
    }

    /// <summary>What a value of <paramref name="type"/> looks like in JSON, for people.</summary>
    public static string Expected(Type type, Type? converter = null)
    {
        if (converter == typeof(TelegramIdJsonConverter)) return TelegramChatId.Expected;
        if (converter == typeof(InboxUserIdJsonConverter)) return "a user id: a JSON string or a JSON integer";
        if (converter == typeof(InboxUserIdListJsonConverter)) return "an array of user ids, each a JSON string or a JSON integer";
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string)) return "a string";
        if (type == typeof(bool)) return "true or false";
        if (type == typeof(int)) return "an integer from -2147483648 to 2147483647";
        if (type == typeof(long)) return "an integer";
        if (type == typeof(short) || type == typeof(byte)) return "a small integer";
        if (type == typeof(double) || type == typeof(float) || type == typeof(decimal)) return "a number";
        if (type == typeof(Guid)) return "a UUID string";
        if (type == typeof(DateTimeOffset) || type == typeof(DateTime)) return "an ISO 8601 timestamp string";
        if (type == typeof(DateOnly)) return "a date string (yyyy-MM-dd)";
        if (type.IsEnum) return "one of " + string.Join(", ", Enum.GetNames(type).Select(n => $"\"{JsonNamingPolicy.CamelCase.ConvertName(n)}\""));
        if (typeof(JsonNode).IsAssignableFrom(type) || type == typeof(JsonElement) || type == typeof(object)) return "a JSON value";
        if (ElementType(type) is { } element) return "an array of " + Plural(Expected(element));
        return "a JSON object";
    }

    private static string Plural(string expected) => expected switch
    {
        "a string" => "strings",
        "true or false" => "true or false values",
        "a JSON object" => "JSON objects",
        _ when expected.StartsWith("an integer", StringComparison.Ordinal) => "integers",
        _ => expected,
    };

    private static Type? ElementType(Type type)
    {
        if (type == typeof(string)) return null;
        if (type.IsArray) return type.GetElementType();
        var enumerable = type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IEnumerable<>)
            ? type
            : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>));
        if (enumerable is null || typeof(IDictionary).IsAssignableFrom(type)) return null;
        return enumerable.GetGenericArguments()[0];
    }

    /// <summary>The type (and a property's own converter) the path leads to, or null where it leaves the body's shape.</summary>
    private static (Type Type, Type? Converter)? Resolve(Type bodyType, IReadOnlyList<object> segments, JsonSerializerOptions options)
    {
        var type = bodyType;
        Type? converter = null;
        foreach (var segment in segments)
        {
            type = Nullable.GetUnderlyingType(type) ?? type;
            converter = null;
            if (segment is int)
            {
                if (ElementType(type) is not { } element) return null;
                type = element;
                continue;
            }
            var info = options.GetTypeInfo(type);
            if (info.Kind != JsonTypeInfoKind.Object) return null;
            var property = info.Properties.FirstOrDefault(p => p.Name == (string)segment);
            if (property is null) return null;
            type = property.PropertyType;
            converter = property.CustomConverter?.GetType();
        }
        return (type, converter);
    }

    private static string? Known(Type type, JsonSerializerOptions options)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        var info = options.GetTypeInfo(type);
        return info.Kind == JsonTypeInfoKind.Object ? string.Join(", ", info.Properties.Select(p => p.Name)) : null;
    }

    /// <summary><c>$.parts[1]</c> → ["parts", 1]; <c>$['odd name']</c> → ["odd name"].</summary>
    internal static List<object> Segments(string? path)
    {
        var segments = new List<object>();
        if (string.IsNullOrEmpty(path)) return segments;
        foreach (Match m in PathSegment().Matches(path))
        {
            if (m.Groups["name"].Success) segments.Add(m.Groups["name"].Value);
            else if (m.Groups["quoted"].Success) segments.Add(m.Groups["quoted"].Value.Replace("\\'", "'", StringComparison.Ordinal));
            else if (m.Groups["index"].Success && int.TryParse(m.Groups["index"].Value, CultureInfo.InvariantCulture, out var index)) segments.Add(index);
        }
        return segments;
    }

    private static string Render(IEnumerable<object> segments)
    {
        var text = new System.Text.StringBuilder();
        foreach (var segment in segments)
        {
            if (segment is int index) text.Append('[').Append(index.ToString(CultureInfo.InvariantCulture)).Append(']');
            else text.Append(text.Length == 0 ? "" : ".").Append((string)segment);
        }
        return text.ToString();
    }

    private static string Position(JsonException json) =>
        json.LineNumber is { } line && json.BytePositionInLine is { } position
            ? string.Create(CultureInfo.InvariantCulture, $" (line {line + 1}, byte {position + 1})")
            : "";

    [GeneratedRegex(@"\.(?<name>[^.\[\]]+)|\['(?<quoted>(?:[^'\\]|\\.)*)'\]|\[(?<index>[0-9]+)\]")]
    private static partial Regex PathSegment();

    [GeneratedRegex("""^Failed to bind parameter "(?<type>[^"]+) (?<name>[A-Za-z0-9_]+)" from ".*"\.$""", RegexOptions.Singleline)]
    private static partial Regex FailedToBind();

    [GeneratedRegex("""^Required parameter "(?<type>[^"]+) (?<name>[A-Za-z0-9_]+)" was not provided from (?<source>[a-z ]+)\.""")]
    private static partial Regex NotProvided();

    [GeneratedRegex(@"^The JSON property '(?<name>.*)' could not be mapped to any \.NET member")]
    private static partial Regex UnmappedMember();
}
