using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace FelixHub.Core.Protection;

/// <summary>The master keys this process holds: the current one (encrypts) and, while rotating, the previous one (decrypts only).</summary>
public sealed class MasterKeyRing
{
    public const int KeyBytes = 32;

    private readonly Dictionary<string, byte[]> byId = new(StringComparer.Ordinal);

    public MasterKeyRing(IOptions<MasterKeyOptions> options)
    {
        var o = options.Value;
        Current = Read(o.MasterKey, o.MasterKeyFile, out _);
        if (Current is not null) byId[IdOf(Current)] = Current;
        if (Read(o.PreviousMasterKey, null, out _) is { } previous) byId.TryAdd(IdOf(previous), previous);
    }

    /// <summary>The key new ring entries are encrypted with; null when none is configured (Development only).</summary>
    public byte[]? Current { get; }

    public string? CurrentId => Current is null ? null : IdOf(Current);

    public byte[]? Find(string id) => byId.GetValueOrDefault(id);

    /// <summary>A short public name of a key (from its hash), stored beside what it encrypted so the right key is picked.</summary>
    public static string IdOf(byte[] key) => Convert.ToHexStringLower(SHA256.HashData(key))[..16];

    /// <summary>The key from its base64 text or from a file holding it; null when neither is set; <paramref name="error"/> when set but unusable.</summary>
    public static byte[]? Read(string? base64, string? file, out string? error)
    {
        error = null;
        string? text = base64;
        if (string.IsNullOrWhiteSpace(text) && !string.IsNullOrWhiteSpace(file))
        {
            if (!File.Exists(file))
            {
                error = $"the master key file '{file}' does not exist";
                return null;
            }
            text = File.ReadAllText(file, Encoding.UTF8);
        }
        if (string.IsNullOrWhiteSpace(text)) return null;
        try
        {
            var key = Convert.FromBase64String(text.Trim());
            if (key.Length == KeyBytes) return key;
            error = $"a master key is {KeyBytes} bytes in base64 (e.g. `head -c 32 /dev/urandom | base64`); this one is {key.Length} bytes";
        }
        catch (FormatException)
        {
            error = "the master key is not base64 (make one with `head -c 32 /dev/urandom | base64`)";
        }
        return null;
    }
}

/// <summary>Checks the master key settings at start: outside Development a key is required, and a key given must be usable.</summary>
internal sealed class MasterKeyOptionsValidator(IHostEnvironment environment) : IValidateOptions<MasterKeyOptions>
{
    public ValidateOptionsResult Validate(string? name, MasterKeyOptions options)
    {
        var failures = new List<string>();
        if (!string.IsNullOrWhiteSpace(options.MasterKey) && !string.IsNullOrWhiteSpace(options.MasterKeyFile))
            failures.Add("DataProtection:MasterKey (FELIXHUB_MASTER_KEY) and DataProtection:MasterKeyFile (FELIXHUB_MASTER_KEY_FILE) are both set: set one.");
        var current = MasterKeyRing.Read(options.MasterKey, options.MasterKeyFile, out var error);
        if (error is not null) failures.Add($"DataProtection master key: {error}.");
        else if (current is null && !environment.IsDevelopment())
            failures.Add($"No master key is set. In {environment.EnvironmentName} the worker does not start without one, because the WB API keys "
                + "are encrypted with a key ring stored in the database, and without a master key that ring sits in the database unencrypted. "
                + "Set FELIXHUB_MASTER_KEY (32 random bytes, base64: `head -c 32 /dev/urandom | base64`) or FELIXHUB_MASTER_KEY_FILE "
                + "(a file holding it, e.g. a mounted secret); in appsettings: DataProtection:MasterKey / DataProtection:MasterKeyFile.");
        MasterKeyRing.Read(options.PreviousMasterKey, null, out var previousError);
        if (previousError is not null) failures.Add($"DataProtection:PreviousMasterKey (FELIXHUB_MASTER_KEY_PREVIOUS): {previousError}.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
