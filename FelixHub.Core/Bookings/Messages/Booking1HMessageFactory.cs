namespace FelixHub.Core.Bookings.Messages;

public sealed class Booking1HMessageFactory : BookingMessageFactory
{
    public override BookingNotificationType Type => BookingNotificationType.Booking1H;

    public override string Create(BookingMessageData data) =>
        Compose("⏰ Напоминание о бронировании", "Через 1 час начинается ваше бронирование.", data);
}
