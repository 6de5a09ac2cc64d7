using FelixHub.Core.Common;
using FelixHub.Core.Telegram;
using Hangfire;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FelixHub.Core.Bot;

public static class BotServiceCollectionExtensions
{
    /// <summary>
    /// The bot's side of Telegram: receiving updates (long polling by one replica, or a webhook),
    /// handling each once, the one-time links of mechanics and booking users, the mechanic's status buttons, the seller's onboarding and «Уведомления». Replies go through <see cref="ITelegramSender"/>.
    /// Conversation parts are <see cref="IBotRoute"/>s: add one with <c>services.AddScoped&lt;IBotRoute, MyRoute&gt;()</c>.
    /// </summary>
    public static IServiceCollection AddBot(this IServiceCollection services)
    {
        services.AddOptions<BotOptions>().BindConfiguration(BotOptions.Section).ValidateDataAnnotations().ValidateOnStart();

        services.AddHttpClient(BotClient.HttpClientName, (sp, http) =>
            {
                var telegram = sp.GetRequiredService<IOptionsMonitor<TelegramOptions>>().CurrentValue;
                var bot = sp.GetRequiredService<IOptionsMonitor<BotOptions>>().CurrentValue;
                // Longer than the long poll itself, or every quiet poll would end in a timeout.
                http.Timeout = TimeSpan.FromSeconds(bot.PollTimeoutSeconds + telegram.RequestTimeoutSeconds + 5);
            })
            // Bot API URLs carry the token: no request logging.
            .RemoveAllLoggers();

        services.AddSingleton<BotClient>();
        services.AddSingleton<BotIdentity>();
        services.AddSingleton<BotUpdateHandler>();
        services.AddScoped<BotUpdateProcessor>();
        services.AddScoped<TelegramLinks>();
        services.AddScoped<IBotRoute, TelegramLinkRoute>();
        services.AddScoped<IBotRoute, QuietHoursRoute>();
        services.AddScoped<IBotRoute, PreferencesRoute>();
        services.AddScoped<IBotRoute, MechanicOrderRoute>();
        services.AddScoped<IBotRoute, SellerRoute>();
        services.AddScoped<IBotRoute, HelpRoute>();

        services.AddSingleton<BotPoller>();
        services.AddHostedService(sp => sp.GetRequiredService<BotPoller>());
        services.AddSingleton<BotWebhookRegistrar>();
        services.AddHostedService(sp => sp.GetRequiredService<BotWebhookRegistrar>());

        services.AddScoped<BotCleanupJob>();
        services.AddRecurringJob(BotCleanupJob.RecurringJobId, (jobs, _) => jobs.AddOrUpdate<BotCleanupJob>(
            BotCleanupJob.RecurringJobId, job => job.ExecuteAsync(CancellationToken.None), Cron.Daily(3, 17)));
        return services;
    }
}
