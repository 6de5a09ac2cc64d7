namespace FelixHub.Core.Bookings.Messages;

public sealed class Booking24HMessageFactory : BookingMessageFactory
{
    public override BookingNotificationType Type => BookingNotificationType.Booking24H;

    protected override string TemplateName => "booking_24h";
}
