using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using FelixHub.Core.Orders;
using FelixHub.Tests.Infrastructure;
using FelixHub.Tests.Reliability;
using Xunit.Abstractions;

namespace FelixHub.Tests.Delivery;

/// <summary>
/// Three replicas on one database share the sends of both paths — order messages with their own job,
/// booking messages through the dispatcher — and each message goes out exactly once.
/// </summary>
[Collection(FaultsCollection.Name)]
public sealed class DeliveryReplicaTests(ITestOutputHelper output)
{
    private const int Orders = 200; // four messages each: admin, assignment, mechanic status, customer status
    private const int Bookings = 200; // booked and cancelled: four reminders cancelled, one notice sent by the dispatcher

    [Fact]
    public async Task Three_replicas_send_each_of_1000_mixed_messages_exactly_once()
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        await using var telegram = await FakeTelegramServer.StartAsync();
        telegram.Respond(_ => new FakeReply(200, Delay: TimeSpan.FromMilliseconds(20)));
        const string admin = "990000001";
        var settings = new Dictionary<string, string?>
        {
            ["Notifications:AdminChatIds:0"] = admin,
            ["Notifications:AdminNewOrderEnabled"] = "true",
            ["Notifications:MechanicAssignmentEnabled"] = "true",
            ["Notifications:CustomerStatusEnabled"] = "true",
            ["Telegram:GlobalMessagesPerSecond"] = "1000",
        };
        var replicas = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => WorkerProcess.StartAsync(database, telegram, settings)));
        try
        {
            // Each order is created on one replica and changed on another: the API calls spread too.
            using (var gate = new SemaphoreSlim(12))
            {
                await Task.WhenAll(Enumerable.Range(0, Orders).Select(async i =>
                {
                    await gate.WaitAsync();
                    try
                    {
                        var chat = (886_000_000 + i).ToString(CultureInfo.InvariantCulture);
                        var customer = (887_000_000 + i).ToString(CultureInfo.InvariantCulture);
                        var api = replicas[i % 3].Http;
                        var mechanic = await (await api.PostAsJsonAsync("/api/mechanics", new { name = $"Механик {i}", telegramId = chat })).EnsureSuccessStatusCode()
                            .Content.ReadFromJsonAsync<JsonObject>();
                        var order = await (await api.PostAsJsonAsync("/api/orders", new
                        {
                            carNumber = $"R{i}", category = "Двигатель", parts = new[] { "Фильтр" },
                            assignedMechanicId = mechanic!["id"]!.GetValue<int>(), customerTelegramId = customer,
                        })).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonObject>();
                        (await replicas[(i + 1) % 3].Http.PatchAsJsonAsync($"/api/orders/{order!["id"]}", new { status = OrderStatus.InProgress }))
                            .EnsureSuccessStatusCode();
                    }
                    finally
                    {
                        gate.Release();
                    }
                }));
            }

            // Bookings two days ahead, each cancelled on another replica than the one that made it.
            using (var gate = new SemaphoreSlim(12))
            {
                var start = DateTimeOffset.UtcNow.AddDays(2);
                await Task.WhenAll(Enumerable.Range(0, Bookings).Select(async i =>
                {
                    await gate.WaitAsync();
                    try
                    {
                        var chat = (888_500_000 + i).ToString(CultureInfo.InvariantCulture);
                        var api = replicas[i % 3].Http;
                        var user = await (await api.PostAsJsonAsync("/api/users", new { telegramId = chat, name = $"Клиент {i}" })).EnsureSuccessStatusCode()
                            .Content.ReadFromJsonAsync<JsonObject>();
                        var booking = await (await api.PostAsJsonAsync("/api/bookings", new
                        {
                            userId = user!["id"]!.GetValue<int>(), resourceName = $"Подъёмник {i}",
                            startTime = start.ToString("O", CultureInfo.InvariantCulture), endTime = start.AddHours(1).ToString("O", CultureInfo.InvariantCulture),
                        })).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonObject>();
                        (await replicas[(i + 1) % 3].Http.PostAsync($"/api/bookings/{booking!["id"]}/cancel", content: null)).EnsureSuccessStatusCode();
                    }
                    finally
                    {
                        gate.Release();
                    }
                }));
            }

            const int expected = Orders * 4 + Bookings;
            await Eventually.Until(() => telegram.Delivered.Count >= expected, "every message", TimeSpan.FromSeconds(120));
            await Eventually.Until(async () => await MechanicMessages.ScalarAsync(database, "SELECT count(*) FROM delivery_messages WHERE state = 'sent'") == expected,
                "every ledger row sent", TimeSpan.FromSeconds(30));
            await Task.Delay(TimeSpan.FromSeconds(1));

            var perMessage = telegram.Delivered.GroupBy(d => (d.ChatId, d.Text)).ToList();
            var sentBy = await ServersThatSentAsync(database);
            output.WriteLine($"expected {expected}, delivered {telegram.Delivered.Count}, distinct {perMessage.Count}; send jobs per replica: {string.Join(", ", sentBy)}");
            perMessage.Should().HaveCount(expected, "every message is a different (chat, text)");
            perMessage.Should().OnlyContain(g => g.Count() == 1, "each message is sent exactly once");
            (await MechanicMessages.ScalarAsync(database, "SELECT count(*) FROM delivery_messages WHERE state <> 'cancelled'")).Should().Be(expected);
            (await MechanicMessages.ScalarAsync(database, "SELECT count(*) FROM delivery_messages WHERE state = 'cancelled'")).Should().Be(Bookings * 4);
            (await MechanicMessages.ScalarAsync(database, "SELECT count(DISTINCT message_hash) FROM notification_logs WHERE success")).Should().Be(expected);
            sentBy.Should().HaveCount(3, "all three replicas took part in the sends");
        }
        finally
        {
            foreach (var replica in replicas) await replica.DisposeAsync();
            await PostgresServer.DropDatabaseAsync(database);
        }
    }

    /// <summary>How many send jobs each Hangfire server (replica) ran.</summary>
    private static async Task<List<long>> ServersThatSentAsync(string database)
    {
        await using var connection = new Npgsql.NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("""
            SELECT count(*) FROM hangfire.job j JOIN hangfire.state s ON s.jobid = j.id AND s.name = 'Succeeded'
            WHERE j.invocationdata ->> 'Type' LIKE '%DeliveryJob%'
            GROUP BY (SELECT p.data::jsonb ->> 'ServerId' FROM hangfire.state p WHERE p.jobid = j.id AND p.name = 'Processing' ORDER BY p.id DESC LIMIT 1)
            """, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var counts = new List<long>();
        while (await reader.ReadAsync()) counts.Add(reader.GetInt64(0));
        return counts;
    }
}
