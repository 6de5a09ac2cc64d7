using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Npgsql;

namespace FelixHub.Core.Protection;

/// <summary>
/// Data Protection's key ring in <c>data_protection_keys</c>: every replica reads the same keys, so any
/// of them can decrypt an API key another one stored. (Data Protection's own EF store would need a
/// DbSet on the shared DbContext; this is the same idea in a dozen lines.)
/// </summary>
internal sealed class DatabaseXmlRepository(NpgsqlDataSource dataSource, TimeProvider time) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var command = dataSource.CreateCommand("SELECT xml FROM data_protection_keys ORDER BY id");
        using var reader = command.ExecuteReader();
        var elements = new List<XElement>();
        while (reader.Read()) elements.Add(XElement.Parse(reader.GetString(0)));
        return elements;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var command = dataSource.CreateCommand("INSERT INTO data_protection_keys (friendly_name, xml, created_at) VALUES ($1, $2, $3)");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = friendlyName });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = element.ToString(SaveOptions.DisableFormatting) });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = time.GetUtcNow(), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        command.ExecuteNonQuery();
    }
}
