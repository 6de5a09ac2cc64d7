namespace FelixHub.Core.Orders;

/// <summary>
/// A delivery that failed transiently after the in-call retries: thrown so Hangfire retries the job,
/// and, once the retries are exhausted, moves it to Failed (the dead-letter queue). The chat id rides
/// in <see cref="Exception.Data"/> so the dead-letter log line can name it.
/// </summary>
public sealed class NotificationDeliveryException : Exception
{
    public NotificationDeliveryException(string message, string chatId) : base(message)
    {
        Data["chatId"] = chatId;
    }
}
