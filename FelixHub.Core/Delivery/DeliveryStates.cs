namespace FelixHub.Core.Delivery;

/// <summary>
/// The life of a message: <c>pending → sending → sent | failed | skipped | cancelled</c>. A pending
/// message that failed transiently stays pending (with its error) until a retry sends it or its retries
/// run out (<c>failed</c>). <c>skipped</c>: not sent on purpose (no chat, no bot token, too late, switched off by its recipient).
/// </summary>
public static class DeliveryStates
{
    public const string Pending = "pending";
    public const string Sending = "sending";
    public const string Sent = "sent";
    public const string Failed = "failed";
    public const string Skipped = "skipped";
    public const string Cancelled = "cancelled";

    public static readonly IReadOnlyList<string> All = [Pending, Sending, Sent, Failed, Skipped, Cancelled];

    /// <summary>States a send may start from: waiting, interrupted mid-send, or failed and requeued by an operator.</summary>
    public static bool MaySend(string state) => state is Pending or Sending or Failed;
}
