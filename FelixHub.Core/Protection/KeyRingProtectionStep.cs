using System.Xml.Linq;
using FelixHub.Core.Persistence;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace FelixHub.Core.Protection;

/// <summary>
/// At start, under the start-up lock (one replica at a time): every secret of the key ring in
/// <c>data_protection_keys</c> is made to be encrypted with the current master key — one stored
/// unencrypted (written before a master key was set) is encrypted, one encrypted with the previous key
/// (<c>FELIXHUB_MASTER_KEY_PREVIOUS</c>, while rotating) is re-encrypted. An entry encrypted with a key this
/// process does not have stops the start: going on would make Data Protection create a new ring and
/// leave every stored WB key undecryptable.
/// </summary>
internal sealed partial class KeyRingProtectionStep(MasterKeyRing ring, ILogger<KeyRingProtectionStep> logger) : IStartupSchemaStep
{
    private static readonly XNamespace DataProtection = "http://schemas.asp.net/2015/03/dataProtection";

    public string Name => "Data Protection key ring under the master key";

    public async Task RunAsync(NpgsqlConnection lockedConnection, CancellationToken cancellationToken)
    {
        if (ring.Current is null)
        {
            LogNoMasterKey(logger);
            return;
        }
        // A database whose schema is managed elsewhere may not have the table yet (Database:MigrateOnStartup off).
        await using (var exists = new NpgsqlCommand("SELECT to_regclass('data_protection_keys') IS NOT NULL", lockedConnection))
            if (await exists.ExecuteScalarAsync(cancellationToken) is not true) return;
        await using var tx = await lockedConnection.BeginTransactionAsync(cancellationToken);
        var rows = new List<(long Id, string Xml)>();
        await using (var select = new NpgsqlCommand("SELECT id, xml FROM data_protection_keys ORDER BY id FOR UPDATE", lockedConnection, tx))
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
            while (await reader.ReadAsync(cancellationToken)) rows.Add((reader.GetInt64(0), reader.GetString(1)));

        var failures = new List<string>();
        var (encrypted, reprotected) = (0, 0);
        foreach (var (id, xml) in rows)
        {
            var element = XElement.Parse(xml);
            var changed = false;
            foreach (var secret in element.Descendants(DataProtection + "encryptedSecret").ToList())
            {
                if (secret.Elements().SingleOrDefault() is not { Name.LocalName: MasterKeyCipher.ElementName } inner) continue;
                var keyId = MasterKeyCipher.KeyIdOf(inner);
                if (keyId == ring.CurrentId) continue;
                if (ring.Find(keyId) is null)
                {
                    failures.Add($"data_protection_keys row {id} is encrypted with master key {keyId}, which is neither FELIXHUB_MASTER_KEY ({ring.CurrentId}) nor FELIXHUB_MASTER_KEY_PREVIOUS. "
                        + "Set FELIXHUB_MASTER_KEY to the key the ring was protected with, or, to rotate, the new key in FELIXHUB_MASTER_KEY and the old one in FELIXHUB_MASTER_KEY_PREVIOUS.");
                    continue;
                }
                inner.ReplaceWith(MasterKeyCipher.Encrypt(ring.Current, MasterKeyCipher.Decrypt(ring, inner)));
                reprotected++;
                changed = true;
            }
            foreach (var secret in element.Descendants().Where(e => (bool?)e.Attribute(DataProtection + "requiresEncryption") == true).ToList())
            {
                secret.ReplaceWith(new XElement(DataProtection + "encryptedSecret",
                    new XAttribute("decryptorType", typeof(MasterKeyXmlDecryptor).AssemblyQualifiedName!),
                    MasterKeyCipher.Encrypt(ring.Current, secret)));
                encrypted++;
                changed = true;
            }
            if (!changed) continue;
            await using var update = new NpgsqlCommand("UPDATE data_protection_keys SET xml = $2 WHERE id = $1", lockedConnection, tx);
            update.Parameters.Add(new NpgsqlParameter { Value = id });
            update.Parameters.Add(new NpgsqlParameter { Value = element.ToString(SaveOptions.DisableFormatting) });
            await update.ExecuteNonQueryAsync(cancellationToken);
        }
        if (failures.Count > 0) throw new OptionsValidationException(MasterKeyOptions.Section, typeof(MasterKeyOptions), failures);
        await tx.CommitAsync(cancellationToken);
        LogProtected(logger, rows.Count, ring.CurrentId!, encrypted, reprotected);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "No master key (FELIXHUB_MASTER_KEY): the Data Protection key ring that encrypts the WB API keys is stored unencrypted in the database. Development only.")]
    private static partial void LogNoMasterKey(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Data Protection key ring: {Keys} key(s) under master key {MasterKeyId} ({Encrypted} secret(s) encrypted now, {Reprotected} re-protected from the previous key)")]
    private static partial void LogProtected(ILogger logger, int keys, string masterKeyId, int encrypted, int reprotected);
}
