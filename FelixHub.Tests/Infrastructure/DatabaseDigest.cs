using System.Text;
using Npgsql;

namespace FelixHub.Tests.Infrastructure;

/// <summary>
/// A fingerprint of everything the application has written to a database: the content of every
/// application table plus Hangfire's job and queue rows. Equal digests before and after a request
/// prove the request wrote nothing, not even half of something.
/// </summary>
public sealed class DatabaseDigest
{
    // Pacing state is not data: the rate limiter touches it on every send.
    private static readonly string[] Ignored = ["__ef_migrations_history", "telegram_rate_limit", "telegram_chat_limits"];

    private readonly string connectionString;
    private readonly string sql;

    private DatabaseDigest(string connectionString, string sql)
    {
        this.connectionString = connectionString;
        this.sql = sql;
    }

    public static async Task<DatabaseDigest> ForAsync(string connectionString)
    {
        var tables = new List<string>();
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name", connection);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var name = reader.GetString(0);
                if (!Ignored.Contains(name)) tables.Add(name);
            }
        }
        var parts = tables.Select(t => $"SELECT '{t}', count(*), coalesce(md5(string_agg(x::text, ',' ORDER BY x::text)), '') FROM \"{t}\" x")
            .Append("SELECT 'hangfire.job', count(*), coalesce(md5(string_agg(id::text || statename, ',' ORDER BY id)), '') FROM hangfire.job")
            .Append("SELECT 'hangfire.jobqueue', count(*), coalesce(md5(string_agg(jobid::text, ',' ORDER BY jobid)), '') FROM hangfire.jobqueue");
        return new DatabaseDigest(connectionString, string.Join("\nUNION ALL\n", parts));
    }

    /// <summary>One line per table: name, row count and a hash of the rows.</summary>
    public async Task<string> TakeAsync()
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var text = new StringBuilder();
        while (await reader.ReadAsync())
            text.Append(reader.GetString(0)).Append('=').Append(reader.GetInt64(1)).Append(':').Append(reader.GetString(2)).Append('\n');
        return text.ToString();
    }

    /// <summary>The tables whose line differs between two digests.</summary>
    public static IEnumerable<string> Changed(string before, string after)
    {
        var a = before.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var b = after.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
        return a.Where(line => !b.Contains(line)).Select(line => line[..line.IndexOf('=', StringComparison.Ordinal)]);
    }
}
