using System.Diagnostics;
using Microsoft.Extensions.Options;
using Npgsql;

namespace FelixHub.Core.Telegram;

/// <summary>Permission to make one Bot API call; disposing it records the call for the chat's limit.</summary>
public interface ITelegramSendLease : IAsyncDisposable
{
    /// <summary>Telegram answered 429 for this chat: keep the chat quiet for <paramref name="retryAfter"/>.</summary>
    void BackOff(TimeSpan retryAfter);
}

public interface ITelegramRateLimiter
{
    /// <summary>Waits until a call to <paramref name="chatId"/> fits both the bot's and the chat's budget, shared by every replica.</summary>
    Task<ITelegramSendLease> AcquireAsync(string chatId, CancellationToken cancellationToken);

    /// <summary>
    /// The bulk path's permit: reserves, in two statements for the whole batch, the chats that may be
    /// written to now (each chat once) and a run of the bot's slots for them. Never waits for a busy chat.
    /// </summary>
    Task<ITelegramBatchPermit> AcquireBatchAsync(IReadOnlyList<string> chatIds, CancellationToken cancellationToken);
}

/// <summary>Which messages of a batch may go now, and when each may start; disposing it records the chats' pacing.</summary>
public interface ITelegramBatchPermit : IAsyncDisposable
{
    /// <summary>Whether message <paramref name="index"/> of the batch may be sent (its chat was free and it is the chat's first in the batch).</summary>
    bool IsGranted(int index);

    /// <summary>Waits for message <paramref name="index"/>'s slot of the bot's budget (reserved with the batch, or a fresh one when it is late for it).</summary>
    Task WaitForTurnAsync(int index, CancellationToken cancellationToken);

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
/// (<c>next_at = greatest(next_at, now) + spacing</c>), reserved in its own short statement (a whole
/// run of slots for a batch) so no lock is held while a message is in flight.</item>
/// </list>
/// Both tables are UNLOGGED: a crash loses at most the last second of pacing, nothing else.
/// </summary>
internal sealed class PostgresTelegramRateLimiter(NpgsqlDataSource dataSource, IOptionsMonitor<TelegramOptions> options) : ITelegramRateLimiter
{
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

    public async Task<ITelegramSendLease> AcquireAsync(string chatId, CancellationToken cancellationToken)
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

        try
        {
            await WaitForBotSlotAsync(o, cancellationToken);
        }
        catch when (perChat > TimeSpan.Zero)
        {
            // Nothing was sent: give the chat back at once rather than leaving it held for the whole Hold.
            await ReleaseChatsAsync([chatId], [TimeSpan.Zero]);
            throw;
        }

        return new Lease(this, chatId, perChat);
    }

    /// <summary>
    /// Reserves the bot's next slot and sleeps until it. A sender that wakes up late (a loaded machine,
    /// a pause) does not send on its stale slot: it would land right next to the following slot's message,
    /// and two of those in one second are a 31st message. It takes a fresh slot instead, at most
    /// <see cref="MaxLateRetries"/> times.
    /// </summary>
    private Task WaitForBotSlotAsync(TelegramOptions o, CancellationToken cancellationToken) =>
        o.GlobalMessagesPerSecond > 0 ? WaitForBotSlotAsync(TimeSpan.FromSeconds(1.0 / o.GlobalMessagesPerSecond), cancellationToken) : Task.CompletedTask;

    private async Task WaitForBotSlotAsync(TimeSpan spacing, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var wait = await ReserveBotSlotsAsync(spacing, 1, cancellationToken);
            var reserved = Stopwatch.GetTimestamp();
            if (wait > TimeSpan.Zero) await Task.Delay(wait, cancellationToken);
            if (!IsLate(Stopwatch.GetElapsedTime(reserved) - wait, spacing) || attempt == MaxLateRetries) return;
        }
    }

    private const int MaxLateRetries = 3;

    /// <summary>Woke later than half a slot after its slot: too close to the next one to send on it.</summary>
    private static bool IsLate(TimeSpan lateness, TimeSpan spacing) => lateness > spacing / 2;

    /// <summary>Reserves <paramref name="count"/> consecutive slots of the bot; returns how long until the first.</summary>
    private async Task<TimeSpan> ReserveBotSlotsAsync(TimeSpan spacing, int count, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE telegram_rate_limit SET next_at = GREATEST(next_at, clock_timestamp()) + @span
            WHERE id = 1
            RETURNING next_at - @span - clock_timestamp()
            """);
        command.Parameters.AddWithValue("span", spacing * count);
        var start = (TimeSpan?)await command.ExecuteScalarAsync(cancellationToken) ?? TimeSpan.Zero;
        return start < TimeSpan.Zero ? TimeSpan.Zero : start;
    }

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

    public async Task<ITelegramBatchPermit> AcquireBatchAsync(IReadOnlyList<string> chatIds, CancellationToken cancellationToken)
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

        var offsets = new TimeSpan[chatIds.Count];
        var count = granted.Count(g => g);
        var spacing = o.GlobalMessagesPerSecond > 0 ? TimeSpan.FromSeconds(1.0 / o.GlobalMessagesPerSecond) : TimeSpan.Zero;
        try
        {
            if (spacing > TimeSpan.Zero && count > 0)
            {
                var start = await ReserveBotSlotsAsync(spacing, count, cancellationToken);
                var slot = 0;
                for (var i = 0; i < offsets.Length; i++)
                    if (granted[i]) offsets[i] = start + spacing * slot++;
            }
        }
        catch when (perChat > TimeSpan.Zero)
        {
            // Nothing was sent: give the chats back at once rather than leaving them held for the whole Hold.
            var chats = chatIds.Where((_, i) => granted[i]).ToArray();
            await ReleaseChatsAsync(chats, [.. chats.Select(_ => TimeSpan.Zero)]);
            throw;
        }
        return new BatchPermit(this, chatIds, granted, offsets, spacing, perChat);
    }

    private sealed class BatchPermit(
        PostgresTelegramRateLimiter limiter, IReadOnlyList<string> chatIds, bool[] granted, TimeSpan[] offsets, TimeSpan spacing, TimeSpan interval) : ITelegramBatchPermit
    {
        private readonly Dictionary<string, TimeSpan> backOffs = new(StringComparer.Ordinal);
        private readonly long grantedAt = Stopwatch.GetTimestamp();

        public async Task WaitForTurnAsync(int index, CancellationToken cancellationToken)
        {
            if (spacing <= TimeSpan.Zero) return;
            var wait = offsets[index] - Stopwatch.GetElapsedTime(grantedAt);
            if (wait > TimeSpan.Zero) await Task.Delay(wait, cancellationToken);
            // Late for its slot (the batch's sends were slower than the slots): a fresh slot of its own.
            if (IsLate(Stopwatch.GetElapsedTime(grantedAt) - offsets[index], spacing))
                await limiter.WaitForBotSlotAsync(spacing, cancellationToken);
        }

        public bool IsGranted(int index) => granted[index];

        public TimeSpan RetryDeferredAfter => interval > TimeSpan.Zero ? interval : TimeSpan.FromSeconds(1);

        public void BackOff(string chatId, TimeSpan retryAfter)
        {
            lock (backOffs) backOffs[chatId] = backOffs.TryGetValue(chatId, out var b) && b > retryAfter ? b : retryAfter;
        }

        public async ValueTask DisposeAsync()
        {
            if (interval <= TimeSpan.Zero) return;
            var chats = chatIds.Where((_, i) => granted[i]).ToArray();
            if (chats.Length == 0) return;
            var waits = chats.Select(c => backOffs.TryGetValue(c, out var b) && b > interval ? b : interval).ToArray();
            await limiter.ReleaseChatsAsync(chats, waits);
        }
    }

    private sealed class Lease(PostgresTelegramRateLimiter limiter, string chatId, TimeSpan interval) : ITelegramSendLease
    {
        private TimeSpan extra;

        public void BackOff(TimeSpan retryAfter) => extra = retryAfter > extra ? retryAfter : extra;

        public async ValueTask DisposeAsync()
        {
            if (interval <= TimeSpan.Zero) return;
            await limiter.ReleaseChatsAsync([chatId], [interval > extra ? interval : extra]);
        }
    }
}
