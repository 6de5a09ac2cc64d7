using System.Collections;
using Microsoft.Extensions.Configuration.EnvironmentVariables;

namespace FelixHub.Worker.Hosting;

/// <summary>
/// The seeds' flat environment names (<c>TELEGRAM_BOT_TOKEN</c>, <c>ENABLE_TG_MECH_NOTIFS</c>, ...) as
/// aliases of the hierarchical keys. They rank with the environment variables: above appsettings.json,
/// below the command line.
/// </summary>
public static class EnvironmentAliases
{
    public static IReadOnlyDictionary<string, string> Map { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["TELEGRAM_BOT_TOKEN"] = "Telegram:BotToken",
        ["TELEGRAM_API_BASE_URL"] = "Telegram:ApiBaseUrl",
        ["TELEGRAM_WEBHOOK_URL"] = "Telegram:WebhookUrl",
        ["TELEGRAM_WEBHOOK_SECRET"] = "Telegram:WebhookSecret",
        ["TELEGRAM_BOT_USERNAME"] = "Telegram:BotUsername",
        ["ENABLE_TG_MECH_NOTIFS"] = "Notifications:MechanicStatusEnabled",
        ["ENABLE_TG_ADMIN_NOTIFS"] = "Notifications:AdminNewOrderEnabled",
        ["ENABLE_TG_MECH_ASSIGN_NOTIFS"] = "Notifications:MechanicAssignmentEnabled",
        ["ENABLE_TG_CUSTOMER_READY_NOTIFS"] = "Notifications:CustomerReadyEnabled",
        ["ENABLE_TG_CUSTOMER_STATUS_NOTIFS"] = "Notifications:CustomerStatusEnabled",
        ["FRONTEND_URL"] = "Notifications:FrontendUrl",
        ["SYNC_INTERVAL"] = "Wildberries:SyncIntervalSeconds",
        ["FELIXHUB_API_KEY"] = "Api:Key",
    };

    public static IEnumerable<KeyValuePair<string, string?>> Resolve(IDictionary environment)
    {
        foreach (DictionaryEntry entry in environment)
        {
            if (entry.Key is string name && Map.TryGetValue(name, out var key))
                yield return new KeyValuePair<string, string?>(key, entry.Value?.ToString());
        }
    }

    /// <summary>Adds the aliases right after the environment-variable source, so the command line still wins.</summary>
    public static void AddEnvironmentAliases(this IConfigurationManager configuration, IDictionary environment)
    {
        var source = new MemoryConfigurationSourceWithData(Resolve(environment));
        var sources = configuration.Sources;
        var index = -1;
        for (var i = 0; i < sources.Count; i++)
            if (sources[i] is EnvironmentVariablesConfigurationSource) index = i;
        if (index < 0) sources.Add(source);
        else sources.Insert(index + 1, source);
    }

    private sealed class MemoryConfigurationSourceWithData : Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource
    {
        public MemoryConfigurationSourceWithData(IEnumerable<KeyValuePair<string, string?>> data) => InitialData = data.ToList();
    }
}
