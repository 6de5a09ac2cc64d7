using System.Security.Cryptography;
using System.Text;

namespace FelixHub.Core.Delivery;

/// <summary>The deduplication key of a notification: the same event to the same recipient always hashes alike.</summary>
public static class MessageHash
{
    public static string Compute(params object?[] parts)
    {
        var text = string.Join('|', parts.Select(p => Convert.ToString(p, System.Globalization.CultureInfo.InvariantCulture)));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>A 64-bit key for <c>pg_advisory_xact_lock</c> derived from a hash.</summary>
    public static long LockKey(string hash) => BitConverter.ToInt64(Convert.FromHexString(hash.AsSpan(0, 16)));
}
