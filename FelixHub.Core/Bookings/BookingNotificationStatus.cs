using FelixHub.Core.Delivery;

namespace FelixHub.Core.Bookings;

/// <summary>
/// How the booking API names a reminder's state (seed 001: PENDING, PROCESSING, SENT, FAILED, and
/// CANCELLED for a cancelled booking's reminders), mapped from its message's state in the delivery ledger.
/// </summary>
public static class BookingNotificationStatusCodes
{
    public const string Pending = "PENDING";
    public const string Processing = "PROCESSING";
    public const string Sent = "SENT";
    public const string Failed = "FAILED";
    public const string Cancelled = "CANCELLED";

    /// <summary>A skipped reminder (no chat, too late) did not reach its user: the API shows it <c>FAILED</c>, with the reason.</summary>
    public static string FromDeliveryState(string state) => state switch
    {
        DeliveryStates.Pending => Pending,
        DeliveryStates.Sending => Processing,
        DeliveryStates.Sent => Sent,
        DeliveryStates.Failed or DeliveryStates.Skipped => Failed,
        DeliveryStates.Cancelled => Cancelled,
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "Unknown delivery state."),
    };
}
