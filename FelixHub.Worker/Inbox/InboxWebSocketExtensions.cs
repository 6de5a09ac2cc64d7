using FelixHub.Core.Inbox;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FelixHub.Worker.Inbox;

public static class InboxWebSocketExtensions
{
    /// <summary>The WebSocket side of the inbox: this host's sockets become the <see cref="IInboxBroadcaster"/>.</summary>
    public static IServiceCollection AddInboxWebSockets(this IServiceCollection services)
    {
        services.AddSingleton<InboxSocketHub>();
        services.Replace(ServiceDescriptor.Singleton<IInboxBroadcaster>(sp => sp.GetRequiredService<InboxSocketHub>()));
        services.AddSingleton<InboxSocketEndpoint>();
        services.AddHealthChecks().AddCheck<InboxHealthCheck>("inbox", HealthStatus.Degraded, ["business"]);
        return services;
    }
}

/// <summary>Degraded while the backplane is not listening (sockets here miss other replicas' events); reports the open sockets.</summary>
internal sealed class InboxHealthCheck(InboxListener listener, InboxSocketHub hub) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object> { ["sockets"] = hub.TotalConnections, ["users"] = hub.ConnectedUsers.Count };
        return Task.FromResult(listener.IsListening
            ? HealthCheckResult.Healthy($"Listening on {InboxBackplane.Channel}.", data)
            : new HealthCheckResult(context.Registration.FailureStatus, "The inbox backplane (LISTEN) is reconnecting.", data: data));
    }
}
