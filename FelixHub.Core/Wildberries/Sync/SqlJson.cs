using System.Text.Json;
using System.Text.Json.Serialization;
using Npgsql;
using NpgsqlTypes;

namespace FelixHub.Core.Wildberries.Sync;

/// <summary>Rows go to PostgreSQL as one jsonb parameter read with <c>jsonb_to_recordset</c>: one round trip per page, nulls and decimals exact.</summary>
internal static class SqlJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public static NpgsqlParameter Parameter<T>(IEnumerable<T> rows) =>
        new() { Value = JsonSerializer.Serialize(rows, Options), NpgsqlDbType = NpgsqlDbType.Jsonb };

    public static NpgsqlParameter<long> Long(long value) => new() { TypedValue = value };

    public static NpgsqlParameter<DateTimeOffset> Time(DateTimeOffset value) =>
        new() { TypedValue = value.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz };

    public static NpgsqlParameter<string> Text(string value) => new() { TypedValue = value };

    public static DateTimeOffset ReadTime(NpgsqlDataReader reader, int ordinal) =>
        new(DateTime.SpecifyKind(reader.GetDateTime(ordinal), DateTimeKind.Utc));
}
