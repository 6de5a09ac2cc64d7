using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace FelixHub.Core.Wildberries.Api;

/// <summary>
/// System.Text.Json as WB needs it: property names matched case-insensitively (<c>saleID</c>,
/// <c>nmID</c>, <c>nmId</c>), unknown fields ignored, numbers read leniently (a quoted number, a
/// null money amount), money as <see cref="decimal"/> so <c>1284.01</c> stays exact.
/// </summary>
public static class WbJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    /// <summary>The rows of a top-level JSON array, one at a time as the body arrives (nulls skipped).</summary>
    public static async IAsyncEnumerable<T> ReadRowsAsync<T>(Stream body, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        where T : class
    {
        await foreach (var row in JsonSerializer.DeserializeAsyncEnumerable<T>(body, Options, cancellationToken))
            if (row is not null) yield return row;
    }

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            PropertyNameCaseInsensitive = true,
            NumberHandling = JsonNumberHandling.AllowReadingFromString,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        };
        options.Converters.Add(new LenientDecimalConverter());
        options.Converters.Add(new LenientLongConverter());
        options.Converters.Add(new LenientIntConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    private sealed class LenientDecimalConverter : JsonConverter<decimal>
    {
        public override decimal Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
        {
            JsonTokenType.Number => reader.GetDecimal(),
            JsonTokenType.Null => 0m,
            JsonTokenType.String when string.IsNullOrWhiteSpace(reader.GetString()) => 0m,
            JsonTokenType.String => decimal.Parse(reader.GetString()!.Replace(',', '.'), NumberStyles.Float, CultureInfo.InvariantCulture),
            _ => throw new JsonException($"Expected a number, got {reader.TokenType}."),
        };

        public override void Write(Utf8JsonWriter writer, decimal value, JsonSerializerOptions options) => writer.WriteNumberValue(value);
    }

    private sealed class LenientLongConverter : JsonConverter<long>
    {
        public override long Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
        {
            JsonTokenType.Number when reader.TryGetInt64(out var value) => value,
            JsonTokenType.Number => (long)reader.GetDouble(),
            JsonTokenType.Null => 0,
            JsonTokenType.String => long.Parse(reader.GetString()!, NumberStyles.Integer, CultureInfo.InvariantCulture),
            _ => throw new JsonException($"Expected an integer, got {reader.TokenType}."),
        };

        public override void Write(Utf8JsonWriter writer, long value, JsonSerializerOptions options) => writer.WriteNumberValue(value);
    }

    private sealed class LenientIntConverter : JsonConverter<int>
    {
        public override int Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
        {
            JsonTokenType.Number when reader.TryGetInt32(out var value) => value,
            JsonTokenType.Number => (int)reader.GetDouble(),
            JsonTokenType.Null => 0,
            JsonTokenType.String => int.Parse(reader.GetString()!, NumberStyles.Integer, CultureInfo.InvariantCulture),
            _ => throw new JsonException($"Expected an integer, got {reader.TokenType}."),
        };

        public override void Write(Utf8JsonWriter writer, int value, JsonSerializerOptions options) => writer.WriteNumberValue(value);
    }
}
