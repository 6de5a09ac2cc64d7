using FelixHub.Worker.Inbox;
using Microsoft.Extensions.DependencyInjection;

namespace FelixHub.Tests.Inbox;

internal static class InboxTestExtensions
{
    public static InboxSocketHub GetHub(this IServiceProvider services) => services.GetRequiredService<InboxSocketHub>();
}
