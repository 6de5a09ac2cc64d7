using System.ComponentModel.DataAnnotations;

namespace FelixHub.Core.Delivery;

public sealed class DeliveryOptions
{
    public const string Section = "Delivery";

    /// <summary>
    /// Telegram accepted a message but the database went away before its state was written: the send
    /// keeps trying to write it for this long (instead of failing, which would send the message again).
    /// </summary>
    [Range(0, 3600)]
    public int SentRecordRetrySeconds { get; set; } = 120;
}
