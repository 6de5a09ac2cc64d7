using System.ComponentModel.DataAnnotations;
using FelixHub.Core.Bookings;
using FelixHub.Core.Bookings.Messages;

namespace FelixHub.Tests.Bookings;

/// <summary>The pure parts: message factories, timestamp parsing, the reminder plan, the options.</summary>
public sealed class BookingMessageTests
{
    private static readonly BookingMessageData Data = new(
        "Переговорная «Нева»",
        new DateTimeOffset(2026, 3, 4, 9, 0, 0, TimeSpan.Zero),
        new DateTimeOffset(2026, 3, 4, 10, 30, 0, TimeSpan.Zero),
        TimeZoneInfo.FindSystemTimeZoneById("Europe/Moscow"));

    [Fact]
    public void The_24h_reminder_reads_word_for_word_in_Moscow_time()
    {
        BookingMessages.Create(BookingNotificationType.Booking24H, Data).Should().Be(
            """
            ⏰ Напоминание о бронировании

            Через 24 часа начинается ваше бронирование.

            📍 Ресурс: <b>Переговорная «Нева»</b>
            🕒 Начало: 04.03.2026 12:00 (UTC+03:00)
            🏁 Окончание: 04.03.2026 13:30 (UTC+03:00)
            """);
    }

    [Theory]
    [InlineData(BookingNotificationType.Booking1H, "Через 1 час начинается ваше бронирование.")]
    [InlineData(BookingNotificationType.BookingStart, "▶️ Ваше бронирование началось")]
    [InlineData(BookingNotificationType.BookingEnd, "🏁 Ваше бронирование завершилось")]
    [InlineData(BookingNotificationType.BookingCancel, "❌ Бронирование отменено")]
    public void Each_type_has_its_own_factory_and_text_with_the_resource_and_local_start(BookingNotificationType type, string says)
    {
        BookingMessages.For(type).Type.Should().Be(type);
        BookingMessages.Create(type, Data).Should().Contain(says).And.Contain("Переговорная «Нева»").And.Contain("Начало: 04.03.2026 12:00 (UTC+03:00)");
    }

    [Fact]
    public void User_values_are_escaped_for_Telegram_HTML_and_other_zones_show_their_offset()
    {
        var data = Data with { ResourceName = "<script>&\"", TimeZone = TimeZoneInfo.FindSystemTimeZoneById("America/New_York") };

        var text = BookingMessages.Create(BookingNotificationType.BookingStart, data);

        text.Should().Contain("<b>&lt;script&gt;&amp;&quot;</b>").And.Contain("Начало: 04.03.2026 04:00 (UTC-05:00)");
    }

    [Theory]
    [InlineData("2026-05-01T14:00:00+03:00", "2026-05-01T11:00:00Z")]
    [InlineData("2026-05-01T14:00:00Z", "2026-05-01T14:00:00Z")]
    [InlineData("2026-05-01T14:00Z", "2026-05-01T14:00:00Z")]
    [InlineData("2026-05-01T14:00:00.5-05:00", "2026-05-01T19:00:00.5Z")]
    [InlineData("2026-05-01T14:00:00", "2026-05-01T14:00:00Z")]
    [InlineData("2026-05-01T14:00", "2026-05-01T14:00:00Z")]
    [InlineData("2026-05-01T14:00:00.250", "2026-05-01T14:00:00.25Z")]
    public void Timestamps_are_parsed_to_UTC_and_without_an_offset_read_as_UTC(string value, string expectedUtc)
    {
        IsoTimestamp.TryParse(value, "startTime", out var utc, out var error).Should().BeTrue(error);
        utc.Should().Be(DateTimeOffset.Parse(expectedUtc, System.Globalization.CultureInfo.InvariantCulture));
        utc.Offset.Should().Be(TimeSpan.Zero);
    }

    [Theory]
    [InlineData("2026-05-01", "ISO 8601")]
    [InlineData("2026-05-01 14:00:00+03:00", "ISO 8601")]
    [InlineData("01.05.2026 14:00", "ISO 8601")]
    [InlineData("2026-13-01T14:00:00Z", "not a valid date")]
    [InlineData("", "required")]
    [InlineData(null, "required")]
    public void Timestamps_not_ISO_are_refused_with_the_field_named(string? value, string reason)
    {
        IsoTimestamp.TryParse(value, "startTime", out _, out var error).Should().BeFalse();
        error.Should().Contain("startTime").And.Contain(reason);
    }

    [Fact]
    public void Reminders_expire_when_they_would_only_confuse()
    {
        var start = Data.StartTime;
        var end = Data.EndTime;
        ReminderPlan.ExpiresAt(BookingNotificationType.Booking24H, start, end).Should().Be(start);
        ReminderPlan.ExpiresAt(BookingNotificationType.Booking1H, start, end).Should().Be(start);
        ReminderPlan.ExpiresAt(BookingNotificationType.BookingStart, start, end).Should().Be(end);
        ReminderPlan.ExpiresAt(BookingNotificationType.BookingEnd, start, end).Should().Be(end.AddHours(1));
        ReminderPlan.ExpiresAt(BookingNotificationType.BookingCancel, start, end).Should().BeNull();
    }

    [Fact]
    public void The_retry_backoff_doubles_up_to_its_cap()
    {
        var options = new FelixHub.Core.Delivery.DeliveryOptions { RetryBaseDelaySeconds = 60, RetryMaxDelaySeconds = 300 };

        Enumerable.Range(1, 5).Select(a => options.RetryDelay(a).TotalSeconds).Should().Equal(60, 120, 240, 300, 300);
    }

    [Fact]
    public void An_unknown_time_zone_is_refused_at_start_up()
    {
        var options = new BookingsOptions { TimeZone = "Mars/Olympus" };
        var results = new List<ValidationResult>();

        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true).Should().BeFalse();
        results.Should().ContainSingle().Which.ErrorMessage.Should().Contain("Mars/Olympus");
    }
}
