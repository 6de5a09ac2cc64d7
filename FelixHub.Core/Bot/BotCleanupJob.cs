using System.ComponentModel;
using FelixHub.Core.Persistence;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FelixHub.Core.Bot;

/// <summary>Daily: forgets handled update ids and spent or expired link tokens older than <c>Telegram:HandledUpdateRetentionDays</c>.</summary>
public sealed partial class BotCleanupJob(FelixHubDbContext db, IOptionsMonitor<BotOptions> options, TimeProvider time, ILogger<BotCleanupJob> logger)
{
    public const string RecurringJobId = "telegram-bot-cleanup";

    [DisplayName("Telegram bot clean-up")]
    [AutomaticRetry(Attempts = 0)]
    public async Task ExecuteAsync(CancellationToken cancellationToken)
    {
        var before = time.GetUtcNow().AddDays(-options.CurrentValue.HandledUpdateRetentionDays);
        var updates = await db.Set<HandledUpdate>().Where(u => u.HandledAt < before).ExecuteDeleteAsync(cancellationToken);
        var tokens = await db.Set<TelegramLinkToken>().Where(t => t.ExpiresAt < before).ExecuteDeleteAsync(cancellationToken);
        LogCleaned(logger, updates, tokens);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Telegram bot clean-up removed {Updates} handled update(s) and {Tokens} old link token(s)")]
    private static partial void LogCleaned(ILogger logger, int updates, int tokens);
}
