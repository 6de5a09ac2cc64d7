using System.Text.RegularExpressions;
using FelixHub.Tests.Infrastructure;
using Npgsql;

namespace FelixHub.Tests.Reliability;

/// <summary>A status change as the mechanic's message names it: order, old and new status.</summary>
public sealed record StatusChangeKey(int OrderId, string OldStatus, string NewStatus);

/// <summary>Reads the fault tests' ground truth: which status changes the database holds and which messages Telegram received.</summary>
public static partial class MechanicMessages
{
    /// <summary>The status change a delivered mechanic message is about (null for other messages).</summary>
    public static StatusChangeKey? KeyOf(TelegramCall call)
    {
        var match = call.Text is null ? null : Message().Match(call.Text);
        return match is { Success: true }
            ? new StatusChangeKey(int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), match.Groups[2].Value, match.Groups[3].Value)
            : null;
    }

    /// <summary>How many times Telegram accepted a message about each status change.</summary>
    public static Dictionary<StatusChangeKey, int> DeliveredCounts(FakeTelegramServer telegram) =>
        telegram.Delivered.Select(KeyOf).OfType<StatusChangeKey>().GroupBy(k => k).ToDictionary(g => g.Key, g => g.Count());

    /// <summary>Every status change recorded in <c>order_status_changes</c>.</summary>
    public static async Task<List<StatusChangeKey>> InDatabaseAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT order_id, old_status, new_status FROM order_status_changes ORDER BY id", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var keys = new List<StatusChangeKey>();
        while (await reader.ReadAsync()) keys.Add(new StatusChangeKey(reader.GetInt32(0), reader.GetString(1), reader.GetString(2)));
        return keys;
    }

    /// <summary>How many of the delivery pipeline's send jobs (<c>DeliveryJob</c>) Hangfire shows in <paramref name="state"/>.</summary>
    public static Task<long> SendJobsAsync(string connectionString, string state) => ScalarAsync(connectionString,
        $"SELECT count(*) FROM hangfire.job WHERE statename = '{state}' AND invocationdata::text LIKE '%DeliveryJob%'");

    public static async Task<long> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// Inserts <paramref name="count"/> mechanics, each with its own chat, and one new order assigned to
    /// each, straight into the database (seconds instead of thousands of API calls). Returns the order ids.
    /// </summary>
    public static async Task<List<int>> SeedOrdersAsync(string connectionString, int count, long firstChatId)
    {
        await ExecuteAsync(connectionString, $"""
            INSERT INTO mechanics (name, telegram_id, created_at)
            SELECT 'Механик ' || g, ({firstChatId} + g)::text, now() FROM generate_series(1, {count}) g;
            INSERT INTO orders (car_number, category, parts, status, assigned_mechanic_id, created_at, updated_at, status_changed_at)
            SELECT 'A' || m.id, 'Двигатель', ARRAY['Масляный фильтр'], 'новый', m.id, now(), now(), now()
            FROM mechanics m WHERE m.telegram_id::bigint > {firstChatId} AND m.telegram_id::bigint <= {firstChatId + count};
            """);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"SELECT o.id FROM orders o JOIN mechanics m ON m.id = o.assigned_mechanic_id WHERE m.telegram_id::bigint > {firstChatId} AND m.telegram_id::bigint <= {firstChatId + count} ORDER BY o.id", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new List<int>();
        while (await reader.ReadAsync()) ids.Add(reader.GetInt32(0));
        return ids;
    }

    [GeneratedRegex(@"Заказ #(\d+)[\s\S]*?Было: (.+)\nСтало: (.+)\n")]
    private static partial Regex Message();
}
