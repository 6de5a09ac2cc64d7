using System.Net;
using FelixHub.Core.Bookings;
using FelixHub.Core.Bookings.Messages;
using FelixHub.Core.Templates;
using FelixHub.Tests.Infrastructure;
using Codes = FelixHub.Core.Bookings.BookingNotificationTypeCodes;

namespace FelixHub.Tests.Bookings;

/// <summary>Issue 22 §2: a booking user whose chat chose English gets the reminders and the cancellation notice in English.</summary>
public sealed class BookingLanguageTests(BookingFixture fixture) : IClassFixture<BookingFixture>, IAsyncLifetime
{
    private readonly TestWorker worker = fixture.Worker;
    private readonly FakeTelegramServer telegram = fixture.Telegram;

    public Task InitializeAsync() => fixture.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task An_English_speaking_user_gets_their_reminders_and_the_cancellation_in_English()
    {
        var chatId = TestWorker.NewChatId();
        var patch = await worker.Http.PatchAsync($"/api/recipients/{chatId}/preferences",
            new StringContent("""{"language":"en"}""", System.Text.Encoding.UTF8, "application/json"));
        patch.StatusCode.Should().Be(HttpStatusCode.OK);
        var user = await worker.CreateUserAsync(chatId);
        var start = fixture.Now + TimeSpan.FromDays(2);
        var booking = await worker.CreateBookingAsync(user.Id, start, start.AddMinutes(90), "Room <A&B>");

        fixture.Clock.SetUtcNow(booking.StartTime.AddHours(-24));
        (await worker.DispatchAsync()).Sent.Should().Be(1);
        var local = TimeZoneInfo.ConvertTime(booking.StartTime, TimeZoneInfo.FindSystemTimeZoneById("Europe/Moscow"));
        var reminder = telegram.Delivered.Where(c => c.ChatId == chatId).Should().ContainSingle().Subject.Text;
        reminder.Should().Be(
            "⏰ Booking reminder\n\nYour booking starts in 24 hours.\n\n📍 Resource: <b>Room &lt;A&amp;B&gt;</b>\n" +
            $"🕒 Starts: {MessageFormat.LocalTime(local, Languages.English)}\n🏁 Ends: {MessageFormat.LocalTime(local.AddMinutes(90), Languages.English)}");
        reminder.Should().MatchRegex(@"🕒 Starts: \d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2} \(UTC\+03:00\)");

        await worker.CancelBookingAsync(booking.Id);
        (await worker.DispatchAsync()).Sent.Should().Be(1);
        telegram.Delivered.Where(c => c.ChatId == chatId).Select(c => c.Text).Should().HaveCount(2).And.EndWith(
            BookingMessages.Create(BookingNotificationType.BookingCancel,
                new BookingMessageData(booking.ResourceName, booking.StartTime, booking.EndTime, TimeZoneInfo.FindSystemTimeZoneById("Europe/Moscow")), Languages.English));
        telegram.Delivered.Where(c => c.ChatId == chatId).Last().Text.Should().StartWith("❌ Booking cancelled\n\nYour booking has been cancelled");
        (await worker.BookingNotificationsAsync(booking.Id)).Should().Contain(n => n.Type == Codes.BookingCancel);
    }
}
