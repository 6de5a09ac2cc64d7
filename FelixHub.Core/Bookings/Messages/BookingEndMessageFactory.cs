namespace FelixHub.Core.Bookings.Messages;

public sealed class BookingEndMessageFactory : BookingMessageFactory
{
    public override BookingNotificationType Type => BookingNotificationType.BookingEnd;

    public override string Create(BookingMessageData data) =>
        Compose("🏁 Ваше бронирование завершилось", null, data, "Спасибо, что пользуетесь бронированием!");
}
