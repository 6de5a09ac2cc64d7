using System.ComponentModel;

namespace FelixHub.Core.Delivery;

/// <summary>
/// Sends one message of the ledger that is due now: one fire-and-forget Hangfire job per message,
/// enqueued in the transaction that wrote the message. A transient failure throws, so Hangfire retries
/// (then Failed, the dead-letter queue); a permanent one fails the message at once and ends the job.
/// Requeueing the job from the dashboard sends a failed message again.
/// </summary>
public sealed class DeliveryJob(DeliverySender sender)
{
    [DisplayName("Send {1}: message #{0}")]
    public async Task ExecuteAsync(long messageId, string kind, CancellationToken cancellationToken)
    {
        var result = await sender.SendAsync(messageId, cancellationToken);
        if (result.Outcome == DeliveryOutcome.TransientFailure)
            throw new DeliveryFailedException($"Telegram did not take message {messageId} ({kind}): {result.Error}");
    }
}

/// <summary>A send that may succeed later: Hangfire retries the job.</summary>
public sealed class DeliveryFailedException(string message) : Exception(message);
