namespace FelixHub.Core.Bookings.Messages;

public sealed class BookingCancelMessageFactory : BookingMessageFactory
{
    public override BookingNotificationType Type => BookingNotificationType.BookingCancel;

    public override string Create(BookingMessageData data) =>
        Compose("❌ Бронирование отменено", "Ваше бронирование отменено, напоминаний по нему больше не будет.", data);
}
