namespace FelixHub.Core.Protection;

/// <summary>
/// The <c>DataProtection</c> section: the master key that encrypts Data Protection's key ring (which
/// encrypts the WB API keys). It never lives in the database: a dump of the database alone decrypts nothing.
/// </summary>
public sealed class MasterKeyOptions
{
    public const string Section = "DataProtection";

    /// <summary>32 random bytes, base64 (environment: <c>FELIXHUB_MASTER_KEY</c>).</summary>
    public string? MasterKey { get; set; }

    /// <summary>A file holding the key, e.g. a mounted secret (environment: <c>FELIXHUB_MASTER_KEY_FILE</c>).</summary>
    public string? MasterKeyFile { get; set; }

    /// <summary>
    /// While rotating: the master key the ring was protected with until now (environment:
    /// <c>FELIXHUB_MASTER_KEY_PREVIOUS</c>). At start the ring is re-protected with the current key; then
    /// this can be removed.
    /// </summary>
    public string? PreviousMasterKey { get; set; }
}
