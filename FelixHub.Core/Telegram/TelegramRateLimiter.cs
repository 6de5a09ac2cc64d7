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
}

/// <summary>
/// Telegram's limits (about 30 messages/s per bot, 1 message/s per chat) enforced for all replicas
/// through PostgreSQL, on the database's clock:
/// <list type="bullet">
/// <item>per chat: a transaction-scoped advisory lock serialises calls to one chat; the call waits for
/// the chat's <c>next_at</c> and, when done, sets it to the actual call time + the interval;</item>
/// <item>per bot: one row hands out slots <c>1/N</c> s apart
/// (<c>next_at = greatest(next_at, now) + spacing</c>), reserved in its own short statement so no
/// lock is held while a message is in flight.</item>
/// </list>
/// Both tables are UNLOGGED: a crash loses at most the last second of pacing, nothing else.
/// </summary>
internal sealed class PostgresTelegramRateLimiter(NpgsqlDataSource dataSource, IOptionsMonitor<TelegramOptions> options) : ITelegramRateLimiter
{
    public async Task<ITelegramSendLease> AcquireAsync(string chatId, CancellationToken cancellationToken)
    {
        var o = options.CurrentValue;
        var perChat = TimeSpan.FromMilliseconds(o.PerChatIntervalMilliseconds);
        NpgsqlConnection? connection = null;
        NpgsqlTransaction? transaction = null;
        try
        {
            if (perChat > TimeSpan.Zero)
            {
                connection = await dataSource.OpenConnectionAsync(cancellationToken);
                transaction = await connection.BeginTransactionAsync(cancellationToken);
                await using var command = new NpgsqlCommand("""
                    SELECT pg_advisory_xact_lock(hashtextextended('felixhub.telegram.chat:' || @chat, 0));
                    SELECT GREATEST(COALESCE((SELECT next_at FROM telegram_chat_limits WHERE chat_id = @chat), clock_timestamp()), clock_timestamp()) - clock_timestamp();
                    """, connection, transaction);
                command.Parameters.AddWithValue("chat", chatId);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                await reader.NextResultAsync(cancellationToken);
                await reader.ReadAsync(cancellationToken);
                var wait = reader.GetTimeSpan(0);
                await reader.DisposeAsync();
                if (wait > TimeSpan.Zero) await Task.Delay(wait, cancellationToken);
            }

            if (o.GlobalMessagesPerSecond > 0)
            {
                var spacing = TimeSpan.FromSeconds(1.0 / o.GlobalMessagesPerSecond);
                await using var command = dataSource.CreateCommand("""
                    UPDATE telegram_rate_limit SET next_at = GREATEST(next_at, clock_timestamp()) + @spacing
                    WHERE id = 1
                    RETURNING next_at - @spacing - clock_timestamp()
                    """);
                command.Parameters.AddWithValue("spacing", spacing);
                var wait = (TimeSpan?)await command.ExecuteScalarAsync(cancellationToken) ?? TimeSpan.Zero;
                if (wait > TimeSpan.Zero) await Task.Delay(wait, cancellationToken);
            }

            return new Lease(connection, transaction, chatId, perChat);
        }
        catch
        {
            if (transaction is not null) await transaction.DisposeAsync();
            if (connection is not null) await connection.DisposeAsync();
            throw;
        }
    }

    private sealed class Lease(NpgsqlConnection? connection, NpgsqlTransaction? transaction, string chatId, TimeSpan interval) : ITelegramSendLease
    {
        private TimeSpan extra;

        public void BackOff(TimeSpan retryAfter) => extra = retryAfter > extra ? retryAfter : extra;

        public async ValueTask DisposeAsync()
        {
            if (connection is null || transaction is null) return;
            try
            {
                await using var command = new NpgsqlCommand("""
                    INSERT INTO telegram_chat_limits (chat_id, next_at) VALUES (@chat, clock_timestamp() + @interval)
                    ON CONFLICT (chat_id) DO UPDATE SET next_at = GREATEST(telegram_chat_limits.next_at, excluded.next_at)
                    """, connection, transaction);
                command.Parameters.AddWithValue("chat", chatId);
                command.Parameters.AddWithValue("interval", interval > extra ? interval : extra);
                await command.ExecuteNonQueryAsync();
                await transaction.CommitAsync();
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
            {
                // Pacing state is best effort: the message itself already went (or failed) on its own.
                Trace.TraceWarning("Could not record the Telegram chat pacing: " + ex.Message);
            }
            finally
            {
                await transaction.DisposeAsync();
                await connection.DisposeAsync();
            }
        }
    }
}
