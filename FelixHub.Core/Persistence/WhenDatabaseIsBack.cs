using Npgsql;

namespace FelixHub.Core.Persistence;

/// <summary>
/// Writes the record of something that already happened outside the database (Telegram accepted a
/// message) after the database went away: the record must land, or a retry repeats the act.
/// </summary>
public static class WhenDatabaseIsBack
{
    private static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(2);
    private const int QuickAttempts = 3;

    /// <summary>
    /// Runs <paramref name="write"/> on a fresh connection until it succeeds, the failure is not an
    /// outage, or <paramref name="patience"/> has passed; returns the number of attempts it took.
    /// The write itself is never cancelled. Right after an outage the database is usually back and only
    /// pooled connections are stale, so the first failure drops them; the first three attempts (1.75 s
    /// in all) ignore a stop request, later a stop request cuts the waiting short but still gets one
    /// attempt at once — a stop usually comes once the database is back, and giving up unrecorded would
    /// make the next process repeat the act.
    /// </summary>
    public static async Task<int> WriteAsync(NpgsqlDataSource dataSource, Func<NpgsqlConnection, Task> write, TimeSpan patience,
        TimeProvider time, CancellationToken stop)
    {
        var deadline = time.GetUtcNow() + patience;
        var delay = FirstDelay;
        var lastAttempt = false;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(CancellationToken.None);
                await write(connection);
                return attempt;
            }
            catch (Exception ex) when (DatabaseErrors.IsUnavailable(ex) && !lastAttempt && time.GetUtcNow() < deadline)
            {
                if (attempt == 1) dataSource.Clear();
                try
                {
                    await Task.Delay(delay, time, attempt <= QuickAttempts ? CancellationToken.None : stop);
                }
                catch (OperationCanceledException)
                {
                    lastAttempt = true;
                }
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxDelay.Ticks));
            }
        }
    }
}
