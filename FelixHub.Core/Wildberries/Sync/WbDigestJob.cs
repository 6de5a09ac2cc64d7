using System.ComponentModel;
using FelixHub.Core.Delivery;
using FelixHub.Core.Wildberries.Notifications;
using Hangfire;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace FelixHub.Core.Wildberries.Sync;

/// <summary>
/// The recurring job (<see cref="RecurringJobId"/>, cron <c>Wildberries:DigestCron</c>, every minute) that
/// builds the WB digests whose period has ended (<see cref="WbDigests"/>) and starts a dispatch run for them.
/// Any replica may run it, several at once: each user's digest is built under that user's advisory lock,
/// and the items it includes are marked in the same transaction. No Hangfire retry: the next tick is the retry.
/// </summary>
public sealed partial class WbDigestJob(NpgsqlDataSource dataSource, IBackgroundJobClient jobs, TimeProvider time, ILogger<WbDigestJob> logger)
{
    public const string RecurringJobId = "wb-digest";

    /// <summary>Users (and cabinets) one pass builds at most; a fuller backlog goes on in the next pass of the same run.</summary>
    private const int PassSize = 500;

    [AutomaticRetry(Attempts = 0)]
    [DisplayName("WB digests: build the due ones")]
    public async Task<int> ExecuteAsync(CancellationToken cancellationToken)
    {
        var built = await BuildDueAsync(cancellationToken);
        if (built > 0) jobs.Enqueue<DeliveryDispatchJob>(j => j.ExecuteAsync(CancellationToken.None));
        return built;
    }

    /// <summary>Builds every digest due now; returns how many were written.</summary>
    public async Task<int> BuildDueAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var built = 0;
        while (true)
        {
            var due = await WbDigests.DueAsync(dataSource, now, PassSize, cancellationToken);
            var builtNow = 0;
            foreach (var (telegramId, cabinetId) in due)
            {
                if (await WbDigests.BuildAsync(dataSource, telegramId, cabinetId, now, cancellationToken) is { } id)
                {
                    builtNow++;
                    LogBuilt(logger, id, telegramId, cabinetId);
                }
            }
            built += builtNow;
            // A pass that built nothing (another replica holds them) or found less than a pass is the end.
            if (builtNow == 0 || due.Count < PassSize) return built;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "WB digest: message {MessageId} for user {TelegramId} (cabinet {CabinetId}) written")]
    private static partial void LogBuilt(ILogger logger, long messageId, long telegramId, long cabinetId);
}
