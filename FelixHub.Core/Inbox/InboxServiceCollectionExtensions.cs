using FelixHub.Core.Retention;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace FelixHub.Core.Inbox;

public static class InboxServiceCollectionExtensions
{
    /// <summary>In-app notifications: service, push job, tokens, and this host's backplane listener.</summary>
    public static IServiceCollection AddInbox(this IServiceCollection services)
    {
        services.AddOptions<InboxOptions>().BindConfiguration(InboxOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddScoped<InboxService>();
        services.AddScoped<InboxPushJob>();
        services.AddSingleton<InboxTokens>();
        services.TryAddSingleton<IInboxBroadcaster, NoLocalSockets>();
        services.AddSingleton<InboxLocalDelivery>();
        services.AddSingleton<InboxListener>();
        services.AddHostedService(sp => sp.GetRequiredService<InboxListener>());
        // Retention: a user's copy once read longer than Retention:InboxReadDays ago (unread ones stay),
        // then notifications nobody holds a copy of any more.
        services.AddRetentionRule(new RetentionRule("inbox_recipients", o => o.InboxReadDays, """
            DELETE FROM inbox_recipients WHERE (notification_id, user_id) IN (
                SELECT notification_id, user_id FROM inbox_recipients
                WHERE read_at < $1 ORDER BY read_at LIMIT $2 FOR UPDATE SKIP LOCKED)
            """));
        services.AddRetentionRule(new RetentionRule("inbox_notifications", o => o.InboxReadDays, """
            DELETE FROM inbox_notifications WHERE id IN (
                SELECT n.id FROM inbox_notifications n
                WHERE n.created_at < $1 AND NOT EXISTS (SELECT 1 FROM inbox_recipients r WHERE r.notification_id = n.id)
                ORDER BY n.created_at LIMIT $2 FOR UPDATE SKIP LOCKED)
            """));
        return services;
    }
}
