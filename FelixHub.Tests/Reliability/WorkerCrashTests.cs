using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using FelixHub.Core.Orders;
using FelixHub.Tests.Infrastructure;
using Npgsql;
using Xunit.Abstractions;

namespace FelixHub.Tests.Reliability;

/// <summary>
/// <c>kill -9</c> of a worker process in the middle of 1,000 notifications, then a new process on the
/// same database: everything is delivered within minutes (the invisibility timeout, not Hangfire's
/// default 30), and the only duplicates are sends that were in flight at the kill.
/// </summary>
[Collection(FaultsCollection.Name)]
public sealed class WorkerCrashTests(ITestOutputHelper output)
{
    private const int Messages = 1000;
    private const int Workers = 10;
    private static readonly TimeSpan LongSend = TimeSpan.FromSeconds(40);

    [Fact]
    public async Task After_a_kill_9_mid_batch_a_new_process_delivers_every_notification_and_only_sends_in_flight_can_repeat()
    {
        var test = Stopwatch.StartNew();
        var database = await PostgresServer.CreateDatabaseAsync();
        await using var telegram = await FakeTelegramServer.StartAsync();
        // Worst case for duplicates: Telegram has the message as soon as it arrives; the answer comes later.
        telegram.DeliverOnArrival = true;
        var sendTime = TimeSpan.FromSeconds(2);
        string? longChat = null;
        telegram.Respond(call => new FakeReply(200, Delay: call.ChatId == Volatile.Read(ref longChat) ? LongSend : sendTime));

        var orders = await MechanicMessages.SeedOrdersAsync(database, Messages, firstChatId: 883_000_000);
        var settings = new Dictionary<string, string?>
        {
            ["Hangfire:WorkerCount"] = Workers.ToString(CultureInfo.InvariantCulture),
            ["Hangfire:InvisibilityTimeoutMinutes"] = "0.5",
            ["Hangfire:ShutdownTimeoutSeconds"] = "5",
            ["Telegram:RequestTimeoutSeconds"] = "60",
            ["Telegram:GlobalMessagesPerSecond"] = "200",
        };
        var first = await WorkerProcess.StartAsync(database, telegram, settings);
        WorkerProcess? second = null;
        try
        {
            // 1,000 status changes through the API (bounded concurrency), while sends are slow (2 s each).
            var enqueue = Stopwatch.StartNew();
            using (var gate = new SemaphoreSlim(16))
            {
                await Task.WhenAll(orders.Select(async id =>
                {
                    await gate.WaitAsync();
                    try
                    {
                        using var response = await first.Http.PatchAsJsonAsync($"/api/orders/{id}", new { status = OrderStatus.InProgress });
                        response.StatusCode.Should().Be(HttpStatusCode.OK);
                    }
                    finally
                    {
                        gate.Release();
                    }
                }));
            }
            var enqueueTook = enqueue.Elapsed;

            // Now at full speed (150 ms per send, 10 at a time), then kill -9 a third of the way in.
            sendTime = TimeSpan.FromMilliseconds(150);
            telegram.Respond(call => new FakeReply(200, Delay: call.ChatId == Volatile.Read(ref longChat) ? LongSend : sendTime));
            await Eventually.Until(() => telegram.Delivered.Count >= Messages * 3 / 10, "a third of the messages", TimeSpan.FromSeconds(90));
            var inFlightAtKill = telegram.InFlight;
            first.Kill();
            var sinceKill = Stopwatch.StartNew();
            (await first.WaitForExitAsync(TimeSpan.FromSeconds(10))).Should().BeTrue("SIGKILL ends the process");
            var deliveredAtKill = telegram.Delivered.Count;

            // What the dead process left: jobs Hangfire still shows as Processing are the sends that were in flight.
            var processing = await ProcessingOrdersAsync(database);
            var undelivered = orders.Except(telegram.Delivered.Select(MechanicMessages.KeyOf).OfType<StatusChangeKey>().Select(k => k.OrderId)).ToList();
            var longOrder = undelivered.Except(processing).Max();
            Volatile.Write(ref longChat, await ChatOfAsync(database, longOrder));

            second = await WorkerProcess.StartAsync(database, telegram, settings);
            var allArrived = await Eventually.Within(TimeSpan.FromSeconds(150),
                () => orders.All(MechanicMessages.DeliveredCounts(telegram).Keys.Select(k => k.OrderId).ToHashSet().Contains));
            var deliveredAfter = sinceKill.Elapsed;
            var jobsDone = await Eventually.Within(TimeSpan.FromSeconds(60), async () => await MechanicMessages.SendJobsAsync(database, "Succeeded") == Messages);
            await Task.Delay(TimeSpan.FromSeconds(1));

            var counts = MechanicMessages.DeliveredCounts(telegram);
            var duplicated = counts.Where(c => c.Value > 1).Select(c => c.Key.OrderId).ToList();
            var duplicates = counts.Values.Sum(c => c - 1);
            var lost = orders.Count(id => !counts.Keys.Any(k => k.OrderId == id));
            var successRows = await MechanicMessages.ScalarAsync(database, "SELECT count(DISTINCT message_hash) FROM notification_logs WHERE success");
            var longCalls = telegram.Calls.Count(c => c.ChatId == longChat);
            var failedJobs = await MechanicMessages.SendJobsAsync(database, "Failed");

            output.WriteLine($"enqueued {Messages} status changes through the API in {enqueueTook.TotalSeconds:F1} s");
            output.WriteLine($"killed with {deliveredAtKill} delivered; in flight at the kill: {inFlightAtKill} calls unanswered at Telegram, {processing.Count} jobs left Processing");
            output.WriteLine($"all delivered {deliveredAfter.TotalSeconds:F1} s after the kill (invisibility timeout 30 s); whole test {test.Elapsed.TotalSeconds:F0} s");
            output.WriteLine($"expected {Messages}, delivered {counts.Values.Sum()} ({counts.Count} distinct), duplicated {duplicates} (orders {string.Join(", ", duplicated)}), lost {lost}");
            output.WriteLine($"success rows {successRows}; failed jobs {failedJobs}; the {LongSend.TotalSeconds:F0} s send (invisibility 30 s) was called {longCalls} time(s)");

            allArrived.Should().BeTrue($"every notification arrives after the restart:\n{second.Tail()}");
            jobsDone.Should().BeTrue("every notification job ends Succeeded");
            deliveredAfter.Should().BeLessThan(TimeSpan.FromMinutes(5), "the invisibility timeout (not Hangfire's default 30 min) brings the orphaned jobs back");
            lost.Should().Be(0);
            duplicates.Should().BeLessThanOrEqualTo(processing.Count, "only a send in flight at the kill can be repeated");
            duplicated.Should().OnlyContain(id => processing.Contains(id), "a repeated message was in flight when the process died");
            counts.Values.Should().OnlyContain(c => c <= 2);
            successRows.Should().Be(Messages, "one success row per message");
            longCalls.Should().Be(1, "a live worker keeps its job invisible past the invisibility timeout (sliding), so a long send is not fetched twice");
            failedJobs.Should().Be(0);
        }
        finally
        {
            if (second is not null) await second.DisposeAsync();
            await first.DisposeAsync();
            await PostgresServer.DropDatabaseAsync(database);
        }
    }

    /// <summary>Order ids of the messages whose send jobs the database shows as Processing.</summary>
    private static async Task<HashSet<int>> ProcessingOrdersAsync(string database)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            """
            SELECT m.order_id FROM hangfire.job j JOIN delivery_messages m ON m.id = trim(both '"' from j.arguments->>0)::bigint
            WHERE j.statename = 'Processing' AND j.invocationdata::text LIKE '%DeliveryJob%'
            """, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new HashSet<int>();
        while (await reader.ReadAsync()) ids.Add(reader.GetInt32(0));
        return ids;
    }

    private static async Task<string> ChatOfAsync(string database, int orderId)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SELECT m.telegram_id FROM orders o JOIN mechanics m ON m.id = o.assigned_mechanic_id WHERE o.id = {orderId}", connection);
        return (string)(await command.ExecuteScalarAsync())!;
    }
}
