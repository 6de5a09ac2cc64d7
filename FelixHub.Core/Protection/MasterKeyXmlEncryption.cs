using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.Extensions.DependencyInjection;

namespace FelixHub.Core.Protection;

/// <summary>
/// Encrypts each secret of Data Protection's key ring with the master key (AES-256-GCM) before it is
/// stored; the stored element names the master key by its id (<see cref="MasterKeyRing.IdOf"/>), never the key.
/// </summary>
public sealed class MasterKeyXmlEncryptor(MasterKeyRing ring) : IXmlEncryptor
{
    public EncryptedXmlInfo Encrypt(XElement plaintextElement)
    {
        var key = ring.Current ?? throw new InvalidOperationException("No master key is configured.");
        return new EncryptedXmlInfo(MasterKeyCipher.Encrypt(key, plaintextElement), typeof(MasterKeyXmlDecryptor));
    }
}

/// <summary>Decrypts what <see cref="MasterKeyXmlEncryptor"/> wrote, with the master key it names (the current one or, while rotating, the previous one).</summary>
public sealed class MasterKeyXmlDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement) => MasterKeyCipher.Decrypt(services.GetRequiredService<MasterKeyRing>(), encryptedElement);
}

internal static class MasterKeyCipher
{
    public const string ElementName = "felixhubEncryptedSecret";
    private const int NonceBytes = 12;
    private const int TagBytes = 16;
    private static readonly byte[] Associated = Encoding.UTF8.GetBytes("FelixHub.DataProtection.KeyRing.v1");

    public static string KeyIdOf(XElement encrypted) =>
        (string?)encrypted.Attribute("keyId") ?? throw new CryptographicException("The encrypted key ring entry names no master key.");

    public static XElement Encrypt(byte[] key, XElement plaintext)
    {
        var data = Encoding.UTF8.GetBytes(plaintext.ToString(SaveOptions.DisableFormatting));
        var nonce = RandomNumberGenerator.GetBytes(NonceBytes);
        var sealedData = new byte[NonceBytes + TagBytes + data.Length];
        nonce.CopyTo(sealedData, 0);
        using (var aes = new AesGcm(key, TagBytes))
            aes.Encrypt(nonce, data, sealedData.AsSpan(NonceBytes + TagBytes), sealedData.AsSpan(NonceBytes, TagBytes), Associated);
        CryptographicOperations.ZeroMemory(data);
        return new XElement(ElementName,
            new XAttribute("keyId", MasterKeyRing.IdOf(key)),
            new XComment(" Encrypted with the FelixHub master key (FELIXHUB_MASTER_KEY), which is not stored here. "),
            new XElement("value", Convert.ToBase64String(sealedData)));
    }

    public static XElement Decrypt(MasterKeyRing ring, XElement encrypted)
    {
        var id = KeyIdOf(encrypted);
        var key = ring.Find(id) ?? throw new CryptographicException(
            $"The key ring entry was encrypted with master key {id}, which this process does not have (FELIXHUB_MASTER_KEY, or FELIXHUB_MASTER_KEY_PREVIOUS while rotating).");
        var sealedData = Convert.FromBase64String((string?)encrypted.Element("value") ?? "");
        if (sealedData.Length < NonceBytes + TagBytes) throw new CryptographicException("The encrypted key ring entry is truncated.");
        var data = new byte[sealedData.Length - NonceBytes - TagBytes];
        using (var aes = new AesGcm(key, TagBytes))
            aes.Decrypt(sealedData.AsSpan(0, NonceBytes), sealedData.AsSpan(NonceBytes + TagBytes), sealedData.AsSpan(NonceBytes, TagBytes), data, Associated);
        try
        {
            return XElement.Parse(Encoding.UTF8.GetString(data));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(data);
        }
    }
}
