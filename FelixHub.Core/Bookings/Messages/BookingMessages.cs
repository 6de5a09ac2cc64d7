namespace FelixHub.Core.Bookings.Messages;

/// <summary>Picks the factory of a reminder type.</summary>
public static class BookingMessages
{
    private static readonly IReadOnlyDictionary<BookingNotificationType, BookingMessageFactory> Factories =
        new BookingMessageFactory[]
        {
            new Booking24HMessageFactory(),
            new Booking1HMessageFactory(),
            new BookingStartMessageFactory(),
            new BookingEndMessageFactory(),
            new BookingCancelMessageFactory(),
        }.ToDictionary(f => f.Type);

    public static BookingMessageFactory For(BookingNotificationType type) =>
        Factories.TryGetValue(type, out var factory) ? factory : throw new ArgumentOutOfRangeException(nameof(type), type, "No message factory.");

    public static string Create(BookingNotificationType type, BookingMessageData data, string language = Templates.Languages.Default) => For(type).Create(data, language);
}
