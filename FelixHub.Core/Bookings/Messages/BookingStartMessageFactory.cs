namespace FelixHub.Core.Bookings.Messages;

public sealed class BookingStartMessageFactory : BookingMessageFactory
{
    public override BookingNotificationType Type => BookingNotificationType.BookingStart;

    public override string Create(BookingMessageData data) =>
        Compose("▶️ Ваше бронирование началось", null, data);
}
