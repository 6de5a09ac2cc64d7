using System.Security.Cryptography;
using System.Text;

namespace FelixHub.Core.Delivery;

/// <summary>The dedup key of a message (<see cref="DeliveryMessage.DedupKey"/>): the same event to the same recipient always hashes alike.</summary>
public static class MessageHash
{
    public static string Compute(params object?[] parts)
    {
        var text = string.Join('|', parts.Select(p => Convert.ToString(p, System.Globalization.CultureInfo.InvariantCulture)));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }
}
