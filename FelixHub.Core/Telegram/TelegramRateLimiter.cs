using System.Diagnostics;
using Microsoft.Extensions.Options;
using FelixHub.Core.Persistence;
using Npgsql;

namespace FelixHub.Core.Telegram;

/// <summary>Permission to make one Bot API call; disposing it records the call for the chat's limit.</summary>
public interface ITelegramSendLease : IAsyncDisposable
{
    /// <summary>Telegram answered 429 for this chat: keep the chat quiet for <paramref name="retryAfter"/>.</summary>
    void BackOff(TimeSpan retryAfter);

    /// <summary>The bot's slot the call waited for (a <see cref="Stopwatch"/> timestamp), or 0 when the bot's budget is off.</summary>
    long Slot { get; }
}

public interface ITelegramRateLimiter
{
    /// <summary>Waits until a call to <paramref name="chatId"/> fits both the bot's and the chat's budget, shared by every replica.</summary>
    Task<ITelegramSendLease> AcquireAsync(string chatId, TelegramPriority priority, CancellationToken cancellationToken);

    /// <summary>
    /// The bulk path's permit: reserves, in one statement for the whole batch, the chats that may be
    /// written to now (each chat once); the bot's slots for them are reserved as the batch goes, in runs
    /// no further ahead than the <paramref name="priority"/>'s horizon. Never waits for a busy chat.
    /// </summary>
    Task<ITelegramBatchPermit> AcquireBatchAsync(IReadOnlyList<string> chatIds, TelegramPriority priority, CancellationToken cancellationToken);

    /// <summary>
    /// Whether a call reaching the wire now is too late for its <paramref name="slot"/> (a
    /// <see cref="Stopwatch"/> timestamp; 0 for none): more than half a slot after it, it would land next to
    /// the following slot's call. Checked as a call's request leaves (<see cref="TelegramSlotHandler"/>).
    /// </summary>
    bool IsLate(long slot);

    /// <summary>Reserves a fresh slot of the bot's budget and waits for it; returns it (0 when the bot's budget is off).</summary>
    Task<long> FreshSlotAsync(TelegramPriority priority, CancellationToken cancellationToken);
}

/// <summary>Which messages of a batch may go now, and when each may start; disposing it records the chats' pacing.</summary>
public interface ITelegramBatchPermit : IAsyncDisposable
{
    /// <summary>Whether message <paramref name="index"/> of the batch may be sent (its chat was free and it is the chat's first in the batch).</summary>
    bool IsGranted(int index);

    /// <summary>
    /// Waits for a slot of the bot's budget for message <paramref name="index"/> (the batch's next one, or a
    /// fresh one when it is late for it); returns it (a <see cref="Stopwatch"/> timestamp, 0 when the bot's budget is off).
    /// </summary>
    Task<long> WaitForTurnAsync(int index, CancellationToken cancellationToken);

    /// <summary>How soon a message that was not granted may be tried again.</summary>
    TimeSpan RetryDeferredAfter { get; }

    /// <summary>Telegram answered 429 for this chat: keep it quiet for <paramref name="retryAfter"/>.</summary>
    void BackOff(string chatId, TimeSpan retryAfter);
}

/// <summary>
/// Telegram's limits (about 30 messages/s per bot, 1 message/s per chat) enforced for all replicas
/// through PostgreSQL, on the database's clock:
/// <list type="bullet">
/// <item>per chat: a row in <c>telegram_chat_limits</c> whose <c>next_at</c> says when the chat may be
/// written to again. A sender claims the chat with one upsert that only succeeds when <c>next_at</c> has
/// passed (and sets it far ahead, "held", while the message is in flight); when the call is done it
/// sets <c>next_at</c> = now + the interval (or the 429's <c>retry_after</c>). The bulk path claims all
/// the chats of a batch in one such statement.</item>
/// <item>per bot: one row hands out slots <c>1/N</c> s apart
/// (<c>next_at = greatest(next_at, now) + spacing</c>), reserved in its own short statement (a run of
/// slots for a batch) so no lock is held while a message is in flight. A reservation only takes slots
/// that start within its priority's horizon from now (<see cref="TelegramOptions.Horizon"/>), else it
/// waits for room: bulk never runs the cursor more than its short horizon ahead, so a high-priority
/// message (whose horizon is longer) takes a slot at most that far away, and bulk finds no room while
/// high-priority messages keep the cursor further ahead.</item>
/// </list>
/// Both tables are UNLOGGED: a crash loses at most the last second of pacing, nothing else.
/// </summary>
internal sealed class PostgresTelegramRateLimiter(LimiterDataSource limiterDataSource, IOptionsMonitor<TelegramOptions> options) : ITelegramRateLimiter
{
    // Its own pool: a sender holds an application connection while it waits for its slot (docs/database-connections.md).
    private readonly NpgsqlDataSource dataSource = limiterDataSource.DataSource;

    private const string ClaimChatsSql = """
        INSERT INTO telegram_chat_limits AS l (chat_id, next_at)
        SELECT chat, clock_timestamp() + @hold FROM unnest(@chats) AS chat
        ON CONFLICT (chat_id) DO UPDATE SET next_at = excluded.next_at
        WHERE l.next_at <= clock_timestamp()
        RETURNING l.chat_id
        """;

    private const string ReleaseChatsSql = """
        UPDATE telegram_chat_limits AS l SET next_at = clock_timestamp() + v.wait
        FROM unnest(@chats, @waits) AS v(chat, wait)
        WHERE l.chat_id = v.chat
        """;

    public async Task<ITelegramSendLease> AcquireAsync(string chatId, TelegramPriority priority, CancellationToken cancellationToken)
    {
        var o = options.CurrentValue;
        var perChat = TimeSpan.FromMilliseconds(o.PerChatIntervalMilliseconds);
        if (perChat > TimeSpan.Zero)
        {
            while (!await TryClaimChatAsync(chatId, perChat, cancellationToken))
            {
                await using var command = dataSource.CreateCommand(
                    "SELECT GREATEST(COALESCE((SELECT next_at FROM telegram_chat_limits WHERE chat_id = @chat), clock_timestamp()), clock_timestamp()) - clock_timestamp()");
                command.Parameters.AddWithValue("chat", chatId);
                var wait = (TimeSpan)(await command.ExecuteScalarAsync(cancellationToken))!;
                // A batch may hold the chat far ahead and free it when it is done: look again after at
                // most one interval rather than waiting out the whole hold.
                await Task.Delay(wait <= TimeSpan.Zero ? TimeSpan.FromMilliseconds(10) : wait < perChat ? wait : perChat, cancellationToken);
            }
        }

        long slot;
        try
        {
            slot = await WaitForBotSlotAsync(o, priority, cancellationToken);
        }
        catch when (perChat > TimeSpan.Zero)
        {
            // Nothing was sent: give the chat back at once rather than leaving it held for the whole Hold.
            await ReleaseChatsAsync([chatId], [TimeSpan.Zero]);
            throw;
        }

        return new Lease(this, chatId, perChat, slot);
    }

    /// <summary>
    /// Reserves the bot's next slot and sleeps until it. A sender that wakes up late (a loaded machine,
    /// a pause) does not send on its stale slot: it would land right next to the following slot's message,
    /// and two of those in one second are a 31st message. It takes a fresh slot instead, at most
    /// <see cref="MaxLateRetries"/> times.
    /// </summary>
    private Task<long> WaitForBotSlotAsync(TelegramOptions o, TelegramPriority priority, CancellationToken cancellationToken) =>
        o.GlobalMessagesPerSecond > 0 ? WaitForBotSlotAsync(Spacing(o), o.Horizon(priority), cancellationToken) : Task.FromResult(0L);

    private async Task<long> WaitForBotSlotAsync(TimeSpan spacing, TimeSpan horizon, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var (slot, _) = await ReserveBotSlotsAsync(spacing, 1, horizon, cancellationToken);
            await DelayUntilAsync(slot, cancellationToken);
            if (!TooLate(Stopwatch.GetElapsedTime(slot), spacing) || attempt == MaxLateRetries) return slot;
        }
    }

    private static TimeSpan Spacing(TelegramOptions o) => TimeSpan.FromSeconds(1.0 / o.GlobalMessagesPerSecond);

    public bool IsLate(long slot)
    {
        var o = options.CurrentValue;
        return slot != 0 && o.GlobalMessagesPerSecond > 0 && TooLate(Stopwatch.GetElapsedTime(slot), Spacing(o));
    }

    public Task<long> FreshSlotAsync(TelegramPriority priority, CancellationToken cancellationToken) =>
        WaitForBotSlotAsync(options.CurrentValue, priority, cancellationToken);

    private const int MaxLateRetries = 3;

    /// <summary>
    /// Sleeps until <paramref name="timestamp"/> (a <see cref="Stopwatch"/> timestamp). Task.Delay counts
    /// whole milliseconds on a coarse clock and may end a few milliseconds early: what is left is waited out.
    /// </summary>
    private static async Task DelayUntilAsync(long timestamp, CancellationToken cancellationToken)
    {
        for (var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), timestamp); left > TimeSpan.Zero;
             left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), timestamp))
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Ceiling(left.TotalMilliseconds)), cancellationToken);
    }

    /// <summary>Woke later than half a slot after its slot: too close to the next one to send on it.</summary>
    private static bool TooLate(TimeSpan lateness, TimeSpan spacing) => lateness > spacing / 2;

    // The cursor is read under the row's lock (a concurrent reservation waits, then reads the cursor it
    // left), and "now" only once the lock is held: read before a wait for the lock, it would be as old as
    // the wait and every slot would be placed that much late against the database's clock. n = the
    // slots, up to @count, that start before now + @horizon — none unless at least @least do (so a
    // reservation is never a trickle of single slots). Returns n and how far ahead of now the first slot
    // (or, with none, the cursor) is.
    private const string ReserveSql = """
        WITH c AS MATERIALIZED (
            SELECT next_at FROM telegram_rate_limit WHERE id = 1 FOR UPDATE
        ), t AS MATERIALIZED (
            SELECT next_at, clock_timestamp() AS now FROM c
        ), r AS (
            SELECT GREATEST(next_at, now) AS start, now FROM t
        ), n AS (
            SELECT start, now,
                   ceil(extract(epoch FROM now + @horizon - start)::float8 / @spacing_s)::int AS room FROM r
        ), k AS (
            SELECT start, now, CASE WHEN room >= @least THEN LEAST(room, @count) ELSE 0 END AS n FROM n
        )
        UPDATE telegram_rate_limit AS l SET next_at = k.start + @spacing * k.n
        FROM k WHERE l.id = 1
        RETURNING k.n, k.start - k.now
        """;

    /// <summary>
    /// Reserves up to <paramref name="count"/> consecutive slots of the bot that start within
    /// <paramref name="horizon"/> from now, waiting (no lock held) until there is room for at least a
    /// short run of them; returns when the first starts (a <see cref="Stopwatch"/> timestamp) and how
    /// many were reserved (at least one). The database's "now" is some moment of the statement's round
    /// trip; it is taken as the moment the answer arrived, the latest it can be, so a slot is never
    /// started before its time on the database's clock (a slow round trip makes it late, and a late slot
    /// is given up for a fresh one, see <see cref="TooLate"/>). Taken any earlier (the middle of the round
    /// trip, say), a round trip slowed before the statement ran (a wait for a pooled connection or for
    /// the row's lock, a busy machine) would start the slot before its time, next to the slot before it.
    /// </summary>
    private async Task<(long FirstSlot, int Count)> ReserveBotSlotsAsync(TimeSpan spacing, int count, TimeSpan horizon, CancellationToken cancellationToken)
    {
        if (horizon < spacing) horizon = spacing;
        // A run is at least half the horizon's slots (or what is asked): fewer statements per slot under load.
        var least = Math.Clamp((int)(horizon / spacing / 2), 1, Math.Max(1, count));
        while (true)
        {
            await using var command = dataSource.CreateCommand(ReserveSql);
            command.Parameters.AddWithValue("horizon", horizon);
            command.Parameters.AddWithValue("spacing", spacing);
            command.Parameters.AddWithValue("spacing_s", spacing.TotalSeconds);
            command.Parameters.AddWithValue("count", count);
            command.Parameters.AddWithValue("least", least);
            int reserved;
            TimeSpan start;
            long answered;
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                if (!await reader.ReadAsync(cancellationToken)) return (Stopwatch.GetTimestamp(), count); // no row: the budget is not set up
                answered = Stopwatch.GetTimestamp();
                reserved = reader.GetInt32(0);
                start = reader.GetFieldValue<TimeSpan>(1);
            }
            if (reserved > 0) return (answered + (long)(Math.Max(0, start.TotalSeconds) * Stopwatch.Frequency), reserved);
            // No room yet: sleep until the cursor is close enough for a run, then ask again.
            var wait = start - horizon + spacing * least;
            await Task.Delay(wait > MinRoomWait ? wait : MinRoomWait, cancellationToken);
        }
    }

    private static readonly TimeSpan MinRoomWait = TimeSpan.FromMilliseconds(5);

    private async Task<bool> TryClaimChatAsync(string chatId, TimeSpan interval, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(ClaimChatsSql);
        command.Parameters.AddWithValue("chats", new[] { chatId });
        command.Parameters.AddWithValue("hold", interval + Hold);
        return await command.ExecuteScalarAsync(cancellationToken) is not null;
    }

    /// <summary>Frees chats one interval (or their 429's retry_after) from now; best effort.</summary>
    private async Task ReleaseChatsAsync(string[] chats, TimeSpan[] waits)
    {
        if (chats.Length == 0) return;
        try
        {
            await using var command = dataSource.CreateCommand(ReleaseChatsSql);
            command.Parameters.AddWithValue("chats", chats);
            command.Parameters.AddWithValue("waits", waits);
            await command.ExecuteNonQueryAsync(CancellationToken.None);
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            // The chats stay held until the hold runs out: slower for them, never faster than allowed.
            Trace.TraceWarning("Could not record the Telegram chat pacing: " + ex.Message);
        }
    }

    /// <summary>
    /// A chat is held for this long beyond its interval while a message (or a batch) is under way; when
    /// it is done, its pacing is set from the time it finished. A replica that dies mid-send leaves its
    /// chats quiet for this long at most.
    /// </summary>
    private static readonly TimeSpan Hold = TimeSpan.FromMinutes(2);

    public async Task<ITelegramBatchPermit> AcquireBatchAsync(IReadOnlyList<string> chatIds, TelegramPriority priority, CancellationToken cancellationToken)
    {
        var o = options.CurrentValue;
        var perChat = TimeSpan.FromMilliseconds(o.PerChatIntervalMilliseconds);
        var granted = new bool[chatIds.Count];
        var firstOfChat = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < chatIds.Count; i++) firstOfChat.TryAdd(chatIds[i], i);

        if (perChat > TimeSpan.Zero)
        {
            // One statement takes every free chat of the batch: a chat whose next_at has passed is set
            // far ahead (held), a busy one is left alone and not returned. Concurrent batches of other
            // replicas block on the same rows and then see them held.
            await using var command = dataSource.CreateCommand(ClaimChatsSql);
            command.Parameters.AddWithValue("chats", firstOfChat.Keys.Order(StringComparer.Ordinal).ToArray());
            command.Parameters.AddWithValue("hold", perChat + Hold);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) granted[firstOfChat[reader.GetString(0)]] = true;
        }
        else
        {
            for (var i = 0; i < granted.Length; i++) granted[i] = true;
        }

        var spacing = o.GlobalMessagesPerSecond > 0 ? Spacing(o) : TimeSpan.Zero;
        // The slots are reserved as the batch goes (WaitForTurnAsync), in runs within the horizon: a
        // large batch of bulk never holds the bot's budget for more than that ahead.
        return new BatchPermit(this, chatIds, granted, spacing, o.Horizon(priority), perChat);
    }

    private sealed class BatchPermit(
        PostgresTelegramRateLimiter limiter, IReadOnlyList<string> chatIds, bool[] granted, TimeSpan spacing, TimeSpan horizon, TimeSpan interval) : ITelegramBatchPermit
    {
        private readonly Dictionary<string, TimeSpan> backOffs = new(StringComparer.Ordinal);
        private readonly SemaphoreSlim reserving = new(1, 1);
        private readonly Queue<long> slots = new();
        private int unreserved = granted.Count(g => g);

        public async Task<long> WaitForTurnAsync(int index, CancellationToken cancellationToken)
        {
            if (spacing <= TimeSpan.Zero) return 0;
            var slot = await NextSlotAsync(cancellationToken);
            await DelayUntilAsync(slot, cancellationToken);
            // Late for its slot (the batch's sends were slower than the slots): a fresh slot of its own.
            return TooLate(Stopwatch.GetElapsedTime(slot), spacing) ? await limiter.WaitForBotSlotAsync(spacing, horizon, cancellationToken) : slot;
        }

        /// <summary>The batch's next reserved slot (a Stopwatch timestamp); reserves the next run when the last one is used up.</summary>
        private async Task<long> NextSlotAsync(CancellationToken cancellationToken)
        {
            await reserving.WaitAsync(cancellationToken);
            try
            {
                if (slots.Count == 0)
                {
                    var (first, count) = await limiter.ReserveBotSlotsAsync(spacing, Math.Max(1, unreserved), horizon, cancellationToken);
                    unreserved -= count;
                    for (var i = 0; i < count; i++) slots.Enqueue(first + (long)((spacing * i).TotalSeconds * Stopwatch.Frequency));
                }
                return slots.Dequeue();
            }
            finally
            {
                reserving.Release();
            }
        }

        public bool IsGranted(int index) => granted[index];

        public TimeSpan RetryDeferredAfter => interval > TimeSpan.Zero ? interval : TimeSpan.FromSeconds(1);

        public void BackOff(string chatId, TimeSpan retryAfter)
        {
            lock (backOffs) backOffs[chatId] = backOffs.TryGetValue(chatId, out var b) && b > retryAfter ? b : retryAfter;
        }

        public async ValueTask DisposeAsync()
        {
            reserving.Dispose();
            if (interval <= TimeSpan.Zero) return;
            var chats = chatIds.Where((_, i) => granted[i]).ToArray();
            if (chats.Length == 0) return;
            var waits = chats.Select(c => backOffs.TryGetValue(c, out var b) && b > interval ? b : interval).ToArray();
            await limiter.ReleaseChatsAsync(chats, waits);
        }
    }

    private sealed class Lease(PostgresTelegramRateLimiter limiter, string chatId, TimeSpan interval, long slot) : ITelegramSendLease
    {
        private TimeSpan extra;

        public long Slot => slot;

        public void BackOff(TimeSpan retryAfter) => extra = retryAfter > extra ? retryAfter : extra;

        public async ValueTask DisposeAsync()
        {
            if (interval <= TimeSpan.Zero) return;
            await limiter.ReleaseChatsAsync([chatId], [interval > extra ? interval : extra]);
        }
    }
}
