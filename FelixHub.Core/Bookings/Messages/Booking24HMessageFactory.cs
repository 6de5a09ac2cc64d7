namespace FelixHub.Core.Bookings.Messages;

public sealed class Booking24HMessageFactory : BookingMessageFactory
{
    public override BookingNotificationType Type => BookingNotificationType.Booking24H;

    public override string Create(BookingMessageData data) =>
        Compose("⏰ Напоминание о бронировании", "Через 24 часа начинается ваше бронирование.", data);
}
