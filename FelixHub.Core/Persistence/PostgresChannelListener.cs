using Npgsql;

namespace FelixHub.Core.Persistence;

/// <summary>What a <see cref="PostgresChannelListener"/> tells its owner.</summary>
public interface IChannelListenerEvents
{
    /// <summary>A NOTIFY arrived on the channel.</summary>
    void OnNotification(string payload);

    /// <summary>LISTEN is in place; <paramref name="failuresBefore"/> is 0 the first time, the failed attempts before a reconnect otherwise (&gt; 0 means NOTIFYs may have been missed).</summary>
    void OnListening(bool reconnected, int failuresBefore);

    /// <summary>The connection dropped or could not be opened; the next attempt follows in <paramref name="retryIn"/>.</summary>
    void OnLost(int failures, TimeSpan retryIn, Exception error);
}

/// <summary>
/// LISTENs on one PostgreSQL channel over a dedicated connection (not from the pool) until stopped:
/// after <c>keepAlive</c> of silence it checks the connection with a query, and when the connection
/// drops it reconnects with backoff (0.5 s doubling up to <c>maxReconnectDelay</c>). NOTIFYs sent
/// while it was away are lost: <see cref="IChannelListenerEvents.OnListening"/> with
/// <c>reconnected</c> lets the owner catch up.
/// </summary>
public static class PostgresChannelListener
{
    public static async Task ListenAsync(
        string connectionString, string channel, IChannelListenerEvents events,
        Func<TimeSpan> keepAlive, Func<TimeSpan> maxReconnectDelay, TimeProvider time, CancellationToken ct)
    {
        var failures = 0;
        var connectedBefore = false;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(connectionString);
                connection.Notification += (_, e) => events.OnNotification(e.Payload);
                await connection.OpenAsync(ct);
                await using (var listen = new NpgsqlCommand($"LISTEN {channel}", connection))
                    await listen.ExecuteNonQueryAsync(ct);
                events.OnListening(connectedBefore, failures);
                connectedBefore = true;
                failures = 0;

                while (true)
                {
                    if (await connection.WaitAsync(keepAlive(), ct)) continue;
                    await using var ping = new NpgsqlCommand("SELECT 1", connection) { CommandTimeout = 10 };
                    await ping.ExecuteScalarAsync(ct);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                failures++;
                var delay = TimeSpan.FromSeconds(Math.Min(maxReconnectDelay().TotalSeconds, 0.5 * Math.Pow(2, Math.Min(failures - 1, 16))));
                events.OnLost(failures, delay, ex);
                try
                {
                    await Task.Delay(delay, time, ct);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }
}
