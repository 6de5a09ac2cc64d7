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
        return services;
    }
}
