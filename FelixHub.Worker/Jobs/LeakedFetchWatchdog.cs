using FelixHub.Worker.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;

namespace FelixHub.Worker.Jobs;

/// <summary>
/// Puts back in the queue jobs that a Hangfire worker fetched but never started.
/// <para>
/// Seen in the 20,000-message pipeline benchmark: 8 jobs stayed <c>Enqueued</c> with their queue rows
/// fetched, while every worker was idle. Their <c>fetchedat</c> kept being refreshed by
/// Hangfire.PostgreSql's sliding-invisibility heartbeat, which still tracked the fetches. A lost fetch
/// would normally come back after the invisibility timeout; with the sliding timeout it never does, so
/// those notifications would never have been sent.
/// </para>
/// <para>
/// A live worker moves a job it fetched to <c>Processing</c> within milliseconds. A job still
/// <c>Enqueued</c> long after it entered that state, with a fetch that is not fresh, is a lost fetch.
/// Setting its <c>fetchedat</c> back to NULL lets any worker take it. The stale heartbeat is fenced on
/// the old <c>fetchedat</c>, so it stops. If the fetch was not lost after all, the job could run twice;
/// every FelixHub job is idempotent (advisory lock and unique success row, claims with SKIP LOCKED).
/// Every replica may run this; the statement is idempotent.
/// </para>
/// </summary>
internal sealed partial class LeakedFetchWatchdog(
    IOptions<HangfireOptions> options,
    NpgsqlDataSource dataSource,
    ILogger<LeakedFetchWatchdog> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        if (o.LeakedFetchAfterSeconds <= 0) return;
        var every = TimeSpan.FromSeconds(Math.Clamp(o.LeakedFetchAfterSeconds / 4.0, 1, 30));
        using var timer = new PeriodicTimer(every);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                await using var command = new NpgsqlCommand($"""
                    UPDATE "{o.SchemaName}".jobqueue AS q SET fetchedat = NULL
                    FROM "{o.SchemaName}".job AS j JOIN "{o.SchemaName}".state AS s ON s.id = j.stateid
                    WHERE j.id = q.jobid AND q.fetchedat IS NOT NULL
                      AND j.statename = 'Enqueued'
                      AND s.createdat < now() - make_interval(secs => @after)
                      AND q.fetchedat < now() - make_interval(secs => @minAge)
                    RETURNING q.jobid
                    """, connection);
                command.Parameters.AddWithValue("after", (double)o.LeakedFetchAfterSeconds);
                command.Parameters.AddWithValue("minAge", (double)o.LeakedFetchMinAgeSeconds);
                await using var reader = await command.ExecuteReaderAsync(stoppingToken);
                while (await reader.ReadAsync(stoppingToken)) LogRequeued(logger, reader.GetInt64(0));
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
            {
                LogFailed(logger, ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Hangfire job {JobId} was fetched but never started; put back in the queue")]
    private static partial void LogRequeued(ILogger logger, long jobId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not look for lost Hangfire fetches; trying again at the next tick")]
    private static partial void LogFailed(ILogger logger, Exception ex);
}
