namespace FelixHub.Core.Bookings.Messages;

public sealed class BookingEndMessageFactory : BookingMessageFactory
{
    public override BookingNotificationType Type => BookingNotificationType.BookingEnd;

    protected override string TemplateName => "booking_end";
}
