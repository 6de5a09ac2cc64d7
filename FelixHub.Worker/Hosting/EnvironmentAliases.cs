using System.Collections;
using Microsoft.Extensions.Configuration.EnvironmentVariables;

namespace FelixHub.Worker.Hosting;

/// <summary>
/// The seeds' flat environment names (<c>TELEGRAM_BOT_TOKEN</c>, <c>ENABLE_TG_MECH_NOTIFS</c>, ...) as
/// aliases of the hierarchical keys. They rank with the environment variables: above appsettings.json,
/// below the command line. Where two names alias one key (<c>TELEGRAM_BOT_TOKEN</c> and the WB seed's
/// <c>BOT_TOKEN</c>), the one listed first wins.
/// </summary>
public static class EnvironmentAliases
{
    /// <summary>Environment name → configuration key, in order of precedence.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Map { get; } = new List<KeyValuePair<string, string>>
    {
        new("TELEGRAM_BOT_TOKEN", "Telegram:BotToken"),
        new("BOT_TOKEN", "Telegram:BotToken"),
        new("TELEGRAM_API_BASE_URL", "Telegram:ApiBaseUrl"),
        new("TELEGRAM_WEBHOOK_URL", "Telegram:WebhookUrl"),
        new("WEBHOOK_URL", "Telegram:WebhookUrl"),
        new("TELEGRAM_WEBHOOK_SECRET", "Telegram:WebhookSecret"),
        new("TELEGRAM_BOT_USERNAME", "Telegram:BotUsername"),
        new("ENABLE_TG_MECH_NOTIFS", "Notifications:MechanicStatusEnabled"),
        new("ENABLE_TG_ADMIN_NOTIFS", "Notifications:AdminNewOrderEnabled"),
        new("ENABLE_TG_MECH_ASSIGN_NOTIFS", "Notifications:MechanicAssignmentEnabled"),
        new("ENABLE_TG_CUSTOMER_READY_NOTIFS", "Notifications:CustomerReadyEnabled"),
        new("ENABLE_TG_CUSTOMER_STATUS_NOTIFS", "Notifications:CustomerStatusEnabled"),
        new("FRONTEND_URL", "Notifications:FrontendUrl"),
        new("SYNC_INTERVAL", "Wildberries:SyncIntervalSeconds"),
        new("FELIXHUB_API_KEY", "Api:Key"),
        new("FELIXHUB_ALLOW_TRUSTED_WITHOUT_KEY", "Api:AllowTrustedWithoutKey"),
        new("FELIXHUB_MASTER_KEY", "DataProtection:MasterKey"),
        new("FELIXHUB_MASTER_KEY_FILE", "DataProtection:MasterKeyFile"),
        new("FELIXHUB_MASTER_KEY_PREVIOUS", "DataProtection:PreviousMasterKey"),
    };

    public static IEnumerable<KeyValuePair<string, string?>> Resolve(IDictionary environment)
    {
        var set = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry entry in environment)
            if (entry.Key is string name) set[name] = entry.Value?.ToString();
        var resolved = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, key) in Map)
        {
            if (set.TryGetValue(name, out var value) && resolved.Add(key))
                yield return new KeyValuePair<string, string?>(key, value);
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
