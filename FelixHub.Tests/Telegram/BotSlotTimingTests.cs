using FelixHub.Core.Persistence;
using FelixHub.Core.Telegram;
using FelixHub.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using Npgsql;

namespace FelixHub.Tests.Telegram;

/// <summary>
/// The bot's slots are handed out by the database, 1/N s apart on its clock; each sender must start no
/// earlier than its slot, however long its reservation's round trip took (several senders queued for
/// one pooled connection, as the app's small pool makes them under load). A sender started before its
/// slot lands next to the slot before it, and 31 of those within a second are Telegram's 429.
/// The test's PostgreSQL runs on this machine, so <c>clock_timestamp()</c> and
/// <see cref="DateTime.UtcNow"/> read the same clock.
/// </summary>
public sealed class BotSlotTimingTests : IAsyncLifetime
{
    private const double Rate = 28.5;
    private const int Senders = 20;
    private static readonly TimeSpan Spacing = TimeSpan.FromSeconds(1 / Rate);

    /// <summary>The two clocks' resolution (the database's is a microsecond).</summary>
    private static readonly TimeSpan TimerTolerance = TimeSpan.FromMilliseconds(0.5);

    private string connectionString = null!;
    private NpgsqlDataSource admin = null!;

    public async Task InitializeAsync()
    {
        connectionString = await PostgresServer.CreateDatabaseAsync();
        admin = NpgsqlDataSource.Create(connectionString);
    }

    public async Task DisposeAsync()
    {
        await admin.DisposeAsync();
        await PostgresServer.DropDatabaseAsync(connectionString);
    }

    [Fact]
    public async Task Single_sends_that_waited_for_a_pooled_connection_never_start_before_their_slot()
    {
        await using var pool = OnePooledConnection();
        var limiter = Limiter(pool);
        var firstSlot = await MoveCursorAheadAsync(TimeSpan.FromMilliseconds(400));

        var started = await WhileThePoolIsBusyAsync(pool, Enumerable.Range(0, Senders).Select(async i =>
        {
            await using var lease = await limiter.AcquireAsync($"chat-{i}", TelegramPriority.High, CancellationToken.None);
            return DateTime.UtcNow;
        }));

        ShouldStartNoEarlierThanTheirSlots(started, firstSlot);
    }

    [Theory]
    [InlineData(TelegramPriority.High)]
    [InlineData(TelegramPriority.Bulk)]
    public async Task A_batch_whose_runs_waited_for_a_pooled_connection_never_starts_a_message_before_its_slot(TelegramPriority priority)
    {
        await using var pool = OnePooledConnection();
        var limiter = Limiter(pool);
        var chats = Enumerable.Range(0, Senders).Select(i => $"chat-{i}").ToList();
        await using var permit = await limiter.AcquireBatchAsync(chats, priority, CancellationToken.None);
        var firstSlot = await MoveCursorAheadAsync(TimeSpan.FromMilliseconds(400));

        var started = await WhileThePoolIsBusyAsync(pool, chats.Select(async (_, i) =>
        {
            permit.IsGranted(i).Should().BeTrue();
            await permit.WaitForTurnAsync(i, CancellationToken.None);
            return DateTime.UtcNow;
        }));

        ShouldStartNoEarlierThanTheirSlots(started, firstSlot);
    }

    [Fact]
    public async Task A_call_whose_request_reaches_the_wire_late_for_its_slot_is_not_sent_on_it()
    {
        await using var pool = NpgsqlDataSource.Create(connectionString);
        var limiter = Limiter(pool);
        await using var lease = await limiter.AcquireAsync("chat-late", TelegramPriority.High, CancellationToken.None);
        // Held up after its wait (a busy machine) far longer than half a slot.
        await Task.Delay(TimeSpan.FromMilliseconds(200));

        var wire = new Wire();
        var send = () => RequestAsync(limiter, wire, new TelegramSlot(lease.Slot, Final: false));

        await send.Should().ThrowAsync<TelegramSlotMissedException>();
        wire.Requests.Should().Be(0, "a late call must not go on its stale slot, next to the following slot's call");
        await RequestAsync(limiter, wire, new TelegramSlot(lease.Slot, Final: true));
        wire.Requests.Should().Be(1, "the last of the fresh slots goes whatever happens");
    }

    [Fact]
    public async Task A_call_whose_request_reaches_the_wire_in_time_goes_at_once()
    {
        await using var pool = NpgsqlDataSource.Create(connectionString);
        var limiter = Limiter(pool);
        var wire = new Wire();
        var soon = System.Diagnostics.Stopwatch.GetTimestamp() + System.Diagnostics.Stopwatch.Frequency * 5;

        await RequestAsync(limiter, wire, new TelegramSlot(soon, Final: false));
        await RequestAsync(limiter, wire, null);

        wire.Requests.Should().Be(2);
    }

    /// <summary>Sends a request through the <c>telegram</c> client's slot check, as a call on <paramref name="slot"/>.</summary>
    private static async Task RequestAsync(ITelegramRateLimiter limiter, Wire wire, TelegramSlot? slot)
    {
        using var invoker = new HttpMessageInvoker(new TelegramSlotHandler(limiter) { InnerHandler = wire }, disposeHandler: false);
        TelegramSlot.Current = slot;
        using var response = await invoker.SendAsync(new HttpRequestMessage(HttpMethod.Post, "http://127.0.0.1:9/botTOKEN/sendMessage"), CancellationToken.None);
    }

    private sealed class Wire : HttpMessageHandler
    {
        public int Requests { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests++;
            return Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.OK));
        }
    }

    /// <summary>
    /// Every slot is the first slot plus a whole number of spacings (the cursor only moves by them, and it
    /// is ahead of "now" for every reservation here), each taken once: the k-th sender to start may not
    /// start before the k-th slot.
    /// </summary>
    private static void ShouldStartNoEarlierThanTheirSlots(IReadOnlyList<DateTime> started, DateTime firstSlot)
    {
        var order = started.Order().ToList();
        for (var k = 0; k < order.Count; k++)
        {
            var slot = firstSlot + Spacing * k;
            order[k].Should().BeOnOrAfter(slot - TimerTolerance,
                $"the {k + 1}. sender to start may not start before the {k + 1}. slot (it started {(slot - order[k]).TotalMilliseconds:F1} ms early)");
        }
    }

    /// <summary>Starts the senders while the pool's only connection is taken, then gives it back after a while.</summary>
    private static async Task<DateTime[]> WhileThePoolIsBusyAsync(NpgsqlDataSource pool, IEnumerable<Task<DateTime>> senders)
    {
        var busy = await pool.OpenConnectionAsync();
        var started = senders.ToList();
        await Task.Delay(TimeSpan.FromMilliseconds(250));
        await busy.DisposeAsync();
        return await Task.WhenAll(started);
    }

    /// <summary>Sets the bot's cursor <paramref name="ahead"/> of now (as high-priority traffic leaves it); returns it.</summary>
    private async Task<DateTime> MoveCursorAheadAsync(TimeSpan ahead)
    {
        await using var command = admin.CreateCommand("UPDATE telegram_rate_limit SET next_at = clock_timestamp() + @ahead WHERE id = 1 RETURNING next_at");
        command.Parameters.AddWithValue("ahead", ahead);
        return (DateTime)(await command.ExecuteScalarAsync())!;
    }

    private NpgsqlDataSource OnePooledConnection() =>
        NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = 1 }.ConnectionString);

    private static PostgresTelegramRateLimiter Limiter(NpgsqlDataSource pool) => new(new LimiterDataSource(pool), new Fixed<TelegramOptions>(new TelegramOptions
    {
        GlobalMessagesPerSecond = Rate,
        // The chats' own pacing is not what is measured here.
        PerChatIntervalMilliseconds = 0,
        HighPriorityHorizonMilliseconds = 2000,
        BulkHorizonMilliseconds = 500,
    }));

    private sealed class Fixed<T>(T value) : IOptionsMonitor<T>
    {
        public T CurrentValue => value;

        public T Get(string? name) => value;

        public IDisposable? OnChange(Action<T, string?> listener) => null;
    }
}
