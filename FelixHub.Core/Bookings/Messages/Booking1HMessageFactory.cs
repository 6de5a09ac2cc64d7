namespace FelixHub.Core.Bookings.Messages;

public sealed class Booking1HMessageFactory : BookingMessageFactory
{
    public override BookingNotificationType Type => BookingNotificationType.Booking1H;

    protected override string TemplateName => "booking_1h";
}
