using System.Diagnostics;
using System.Text;
using FelixHub.Tests.Infrastructure;

namespace FelixHub.Tests.Inbox;

/// <summary>Two office users; a 5 s send timeout and room for 16 waiting messages per socket; no pings in the way.</summary>
public sealed class SlowClientFixture : WorkerFixture
{
    public const string Fast = "fast-office";
    public const string Slow = "slow-office";

    protected override IDictionary<string, string?> Overrides => new Dictionary<string, string?>(InboxApiClient.Settings(Fast, Slow))
    {
        ["Inbox:SendQueueCapacity"] = "16",
        // Long enough that "the fast client was served before the stuck one's timeout" holds with a wide margin on a loaded machine.
        ["Inbox:SendTimeoutSeconds"] = "15",
        ["Inbox:KeepAliveIntervalSeconds"] = "60",
        ["Inbox:KeepAliveTimeoutSeconds"] = "60",
    };
}

/// <summary>
/// A client that stops reading (tiny receive window, never reads) fills the kernel buffers after a
/// few MB, so the server's send to it blocks. That must delay nobody else, and the server must drop
/// it instead of buffering without bound.
/// </summary>
public sealed class SlowClientTests(SlowClientFixture fixture) : IClassFixture<SlowClientFixture>, IAsyncLifetime
{
    private readonly TestWorker worker = fixture.Worker;

    /// <summary>One 1 MB text message; about 4 of them fill the buffers between the server and a client that does not read.</summary>
    private static readonly byte[] Megabyte = Encoding.UTF8.GetBytes("{\"type\":\"filler\",\"data\":\"" + new string('x', 1024 * 1024) + "\"}");

    public Task InitializeAsync() => worker.UntilListeningAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_client_that_stops_reading_delays_no_one_and_is_dropped_when_a_send_times_out()
    {
        var hub = worker.Services.GetHub();
        await using var fast = await worker.OpenSocketAsync(SlowClientFixture.Fast);
        await using var slow = await worker.OpenSocketAsync(SlowClientFixture.Slow, read: false, receiveBufferBytes: 4096);
        for (var i = 0; i < 8; i++) hub.Send(SlowClientFixture.Slow, Megabyte).Should().Be(1);
        await Task.Delay(300);
        hub.ConnectionCount(SlowClientFixture.Slow).Should().Be(1, "8 MB fit in its queue; its send is blocked, not failed yet");

        var clock = Stopwatch.StartNew();
        await worker.UpdateAsync(await worker.CreateWorkOrderAsync(), new { status = "while one client is stuck", issues = "x", alertOffice = true });
        await fast.WaitForNotificationsAsync(3, TimeSpan.FromSeconds(12));

        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(12), "the stuck socket's 15 s send timeout must not be in the way");
        await Eventually.Until(() => hub.ConnectionCount(SlowClientFixture.Slow) == 0, "the stuck socket dropped", TimeSpan.FromSeconds(40));
        await Eventually.Until(() => worker.Logs.Containing("Slow WebSocket client").Any(e => e.Property("UserId") == SlowClientFixture.Slow && e.RenderMessage().Contains("took over 15")),
            "the slow client warning");
        await Eventually.Until(() => worker.Logs.Containing("send timed out").Any(e => e.Property("UserId") == SlowClientFixture.Slow), "the removal logged");
        hub.ConnectionCount(SlowClientFixture.Fast).Should().Be(1);
    }

    [Fact]
    public async Task A_client_whose_queue_overflows_is_dropped_at_once_instead_of_buffered()
    {
        var hub = worker.Services.GetHub();
        var user = InboxApiClient.NewUser();
        await using var fast = await worker.OpenSocketAsync(SlowClientFixture.Fast);
        await using var slow = await worker.OpenSocketAsync(user, read: false, receiveBufferBytes: 4096);

        var clock = Stopwatch.StartNew();
        var queued = Enumerable.Range(0, 40).Sum(_ => hub.Send(user, Megabyte));

        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(1), "queueing never waits for a client");
        queued.Should().BeLessThan(40, "a full queue takes no more");
        await Eventually.Until(() => hub.ConnectionCount(user) == 0, "the overflowing socket dropped", TimeSpan.FromSeconds(3));
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(12), "dropped for its full queue, before any 15 s send timeout");
        await Eventually.Until(() => worker.Logs.Containing("messages waiting").Any(e => e.Property("UserId") == user), "the slow client warning");
        await Eventually.Until(() => worker.Logs.Containing("send queue full").Any(e => e.Property("UserId") == user), "the removal logged");

        await worker.UpdateAsync(await worker.CreateWorkOrderAsync(), new { status = "after the overflow" });
        await fast.WaitForAsync(e => e["data"]?["notification"]?["message"]?.GetValue<string>().EndsWith("after the overflow", StringComparison.Ordinal) == true, "the next update");
    }
}
