using FelixHub.Core.Bookings;
using FelixHub.Tests.Infrastructure;
using Serilog.Events;

namespace FelixHub.Tests.Bookings;

public sealed class NoBotTokenBookingFixture : BookingFixture
{
    protected override IDictionary<string, string?> Overrides
    {
        get
        {
            var overrides = base.Overrides;
            overrides["Telegram:BotToken"] = "";
            return overrides;
        }
    }
}

public sealed class BookingWithoutBotTokenTests(NoBotTokenBookingFixture fixture) : IClassFixture<NoBotTokenBookingFixture>
{
    [Fact]
    public async Task Without_a_bot_token_nothing_is_claimed_an_error_says_how_many_wait_and_the_reminders_stay_pending()
    {
        var worker = fixture.Worker;
        var user = await worker.CreateUserAsync(TestWorker.NewChatId());
        var start = fixture.Now.AddHours(1);
        var booking = await worker.CreateBookingAsync(user.Id, start, start.AddHours(1));

        var run = await worker.DispatchAsync();

        run.Claimed.Should().Be(0);
        fixture.Telegram.Calls.Should().BeEmpty();
        (await worker.ReminderAsync(booking.Id, BookingNotificationTypeCodes.Booking1H)).Status.Should().Be(BookingNotificationStatusCodes.Pending);
        worker.Logs.Events.Should().Contain(e => e.Level == LogEventLevel.Error
            && e.RenderMessage().Contains("No Telegram bot token is configured: 1 due messages wait"));
    }
}
