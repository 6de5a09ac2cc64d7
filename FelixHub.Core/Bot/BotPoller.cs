using FelixHub.Core.Persistence;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Telegram.Bot;
using Telegram.Bot.Polling;
using Telegram.Bot.Types;
using Telegram.Bot.Types.Enums;

namespace FelixHub.Core.Bot;

/// <summary>
/// Long polling by exactly one replica. Each replica tries <c>pg_try_advisory_lock</c> on a dedicated
/// connection (not pooled) every <c>Telegram:LeaderRetrySeconds</c>; the one that gets it polls while
/// it holds it, checking the connection before every <c>getUpdates</c>. When that replica stops or
/// dies, its session ends, PostgreSQL releases the lock, and another replica takes over.
/// <para>
/// Polling resumes at <c>telegram_bot_state.last_update_id + 1</c>, so updates handled before a restart
/// are confirmed to Telegram, and the update rows make re-served ones no-ops anyway. Telegram.Bot's
/// <c>ReceiveAsync</c> is not used because it advances its offset before handling (a failed update
/// would be skipped) and ties the long-poll timeout to the HttpClient's; this loop calls
/// <c>GetUpdates</c> itself and hands each update to the same <see cref="IUpdateHandler"/>.
/// </para>
/// </summary>
public sealed partial class BotPoller(
    IConfiguration configuration,
    BotClient clients,
    BotUpdateHandler handler,
    IOptionsMonitor<BotOptions> options,
    TimeProvider time,
    ILogger<BotPoller> logger) : BackgroundService
{
    public const string ApplicationName = "felixhub-bot-poller";
    public const string LockName = "felixhub.bot.poller";

    /// <summary>Attempts at one update before it is recorded as failed and skipped.</summary>
    public const int MaxHandleAttempts = 5;

    public static readonly UpdateType[] AllowedUpdates = [UpdateType.Message, UpdateType.CallbackQuery];

    private volatile bool polling;

    /// <summary>True while this replica holds the lock and polls.</summary>
    public bool IsPolling => polling;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.CurrentValue;
        if (!o.ReceiveUpdates)
        {
            LogReceivingOff(logger);
            return;
        }
        if (!clients.IsConfigured)
        {
            LogNoToken(logger);
            return;
        }
        if (o.IsWebhookMode) return; // updates arrive at POST /telegram/webhook instead

        await Task.Yield();
        var connectionString = PersistenceServiceCollectionExtensions.DedicatedConnectionString(configuration, ApplicationName);
        var waitingLogged = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync(stoppingToken);
                await using (var tryLock = new NpgsqlCommand("SELECT pg_try_advisory_lock(hashtextextended(@name, 0))", connection))
                {
                    tryLock.Parameters.AddWithValue("name", LockName);
                    if (await tryLock.ExecuteScalarAsync(stoppingToken) is not true)
                    {
                        if (!waitingLogged) LogStandingBy(logger, options.CurrentValue.LeaderRetrySeconds);
                        waitingLogged = true;
                        await connection.CloseAsync();
                        await DelayAsync(TimeSpan.FromSeconds(options.CurrentValue.LeaderRetrySeconds), stoppingToken);
                        continue;
                    }
                }
                waitingLogged = false;
                polling = true;
                LogLeader(logger);
                await PollAsync(connection, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                var wasPolling = polling;
                polling = false;
                LogSessionLost(logger, wasPolling, ex.GetBaseException().Message, options.CurrentValue.LeaderRetrySeconds);
                try
                {
                    await DelayAsync(TimeSpan.FromSeconds(options.CurrentValue.LeaderRetrySeconds), stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
            finally
            {
                polling = false;
            }
        }
    }

    private async Task PollAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        var bot = clients.Create();
        try
        {
            // getUpdates answers 409 while a webhook is set (e.g. left over from a webhook deployment).
            await bot.DeleteWebhook(dropPendingUpdates: false, cancellationToken: ct);
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            await handler.HandleErrorAsync(bot, ex, HandleErrorSource.PollingError, ct);
        }

        int? offset = await ReadOffsetAsync(connection, ct);
        LogResuming(logger, offset);
        var pollFailures = 0;
        (int Id, int Attempts) failing = (0, 0);
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            // The lock lives as long as this session: a broken session means another replica may poll now.
            await using (var ping = new NpgsqlCommand("SELECT 1", connection) { CommandTimeout = 5 })
                await ping.ExecuteScalarAsync(ct);

            var o = options.CurrentValue;
            Update[] updates;
            try
            {
                updates = await bot.GetUpdates(offset, o.PollLimit, o.PollTimeoutSeconds, AllowedUpdates, ct);
                pollFailures = 0;
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                await handler.HandleErrorAsync(bot, ex, HandleErrorSource.PollingError, ct);
                await DelayAsync(Backoff(++pollFailures, o.PollErrorMaxDelaySeconds), ct);
                continue;
            }

            foreach (var update in updates.OrderBy(u => u.Id))
            {
                if (ct.IsCancellationRequested) break; // the rest is served again after the restart
                try
                {
                    // An update under way is finished, not cancelled, on shutdown: its reply and its commit go together.
                    await handler.HandleUpdateAsync(bot, update, CancellationToken.None);
                }
                catch (Exception ex) when (!ct.IsCancellationRequested)
                {
                    await handler.HandleErrorAsync(bot, ex, HandleErrorSource.HandleUpdateError, ct);
                    failing = failing.Id == update.Id ? (update.Id, failing.Attempts + 1) : (update.Id, 1);
                    if (failing.Attempts < MaxHandleAttempts || !await TryMarkFailedAsync(update, ct))
                    {
                        // Poll again from this update (the ones before it are done and confirmed by the offset).
                        await DelayAsync(Backoff(failing.Attempts, o.PollErrorMaxDelaySeconds), ct);
                        break;
                    }
                }
                offset = Math.Max(offset ?? 0, update.Id + 1);
            }
        }
    }

    private async Task<bool> TryMarkFailedAsync(Update update, CancellationToken ct)
    {
        try
        {
            await handler.MarkFailedAsync(update, BotUpdateHandler.Polling, ct);
            LogGaveUp(logger, update.Id, MaxHandleAttempts);
            return true;
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            LogMarkFailedFailed(logger, update.Id, ex.GetBaseException().Message);
            return false;
        }
    }

    private async Task<int?> ReadOffsetAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("SELECT last_update_id FROM telegram_bot_state WHERE bot_id = @bot", connection);
        command.Parameters.AddWithValue("bot", clients.BotId);
        return await command.ExecuteScalarAsync(ct) is long last ? checked((int)(last + 1)) : null;
    }

    private static TimeSpan Backoff(int failures, double maxSeconds) =>
        TimeSpan.FromSeconds(Math.Min(maxSeconds, Math.Pow(2, Math.Min(failures - 1, 16))));

    private Task DelayAsync(TimeSpan delay, CancellationToken ct) => Task.Delay(delay, time, ct);

    [LoggerMessage(Level = LogLevel.Information, Message = "Telegram updates are not received (Telegram:ReceiveUpdates is off)")]
    private static partial void LogReceivingOff(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Telegram bot token is not configured; the bot does not receive updates")]
    private static partial void LogNoToken(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Another replica polls Telegram; this one stands by and tries to take over every {RetrySeconds} s")]
    private static partial void LogStandingBy(ILogger logger, double retrySeconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "This replica now receives Telegram updates by long polling")]
    private static partial void LogLeader(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Polling Telegram from offset {Offset}")]
    private static partial void LogResuming(ILogger logger, int? offset);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Telegram polling stopped (was polling: {WasPolling}): the database session was lost or refused ({Reason}); trying again in {RetrySeconds} s")]
    private static partial void LogSessionLost(ILogger logger, bool wasPolling, string reason, double retrySeconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Update {UpdateId} failed {Attempts} times; recorded as failed and skipped")]
    private static partial void LogGaveUp(ILogger logger, int updateId, int attempts);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not record update {UpdateId} as failed ({Reason}); it will be polled again")]
    private static partial void LogMarkFailedFailed(ILogger logger, int updateId, string reason);
}
