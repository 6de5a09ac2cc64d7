namespace FelixHub.Core.Bookings.Messages;

public sealed class BookingStartMessageFactory : BookingMessageFactory
{
    public override BookingNotificationType Type => BookingNotificationType.BookingStart;

    protected override string TemplateName => "booking_start";
}
