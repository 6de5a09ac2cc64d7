namespace FelixHub.Core.Bookings.Messages;

public sealed class BookingCancelMessageFactory : BookingMessageFactory
{
    public override BookingNotificationType Type => BookingNotificationType.BookingCancel;

    protected override string TemplateName => "booking_cancel";
}
