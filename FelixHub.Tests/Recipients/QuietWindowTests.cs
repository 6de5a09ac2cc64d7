using FelixHub.Core.Bookings;
using FelixHub.Core.Recipients;

namespace FelixHub.Tests.Recipients;

/// <summary>The quiet window's arithmetic (issue 23 §1): across midnight, on the chat's wall clock, safe across DST changes.</summary>
public sealed class QuietWindowTests
{
    private static QuietWindow Window(string from, string to, string zone = "Europe/Moscow", string mode = QuietModes.Hold) =>
        QuietWindow.Stored(TimeOnly.Parse(from), TimeOnly.Parse(to), zone, mode)!;

    private static DateTimeOffset Utc(int month, int day, int hour, int minute) => new(2026, month, day, hour, minute, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(19, 59, null)] // 22:59 Moscow: before the window
    [InlineData(20, 0, "2026-03-03T04:00")] // 23:00: inside, ends 07:00 next morning (04:00 UTC)
    [InlineData(23, 30, "2026-03-03T04:00")] // 02:30 next day
    [InlineData(3, 59, "2026-03-02T04:00")] // 06:59 the same morning
    [InlineData(4, 0, null)] // 07:00: over
    public void Across_midnight_the_window_ends_at_the_next_local_quietTo(int hour, int minute, string? end)
    {
        // Evening hours on 2 March, morning hours on the 2nd or 3rd as the data says.
        var now = hour >= 12 ? Utc(3, 2, hour, minute) : end is "2026-03-03T04:00" ? Utc(3, 3, hour, minute) : Utc(3, 2, hour, minute);
        var actual = Window("23:00", "07:00").EndIfInside(now);
        (actual is null ? null : actual.Value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm", System.Globalization.CultureInfo.InvariantCulture)).Should().Be(end);
    }

    [Fact]
    public void A_window_within_one_day_holds_only_between_its_bounds()
    {
        var window = Window("13:00", "14:00", "UTC");
        window.EndIfInside(Utc(3, 2, 12, 59)).Should().BeNull();
        window.EndIfInside(Utc(3, 2, 13, 0)).Should().Be(Utc(3, 2, 14, 0));
        window.EndIfInside(Utc(3, 2, 14, 0)).Should().BeNull();
    }

    [Fact]
    public void An_end_the_clocks_skip_is_the_first_moment_after_the_gap_and_a_repeated_one_its_first_occurrence()
    {
        // Berlin, 29 March 2026: 02:00 CET becomes 03:00 CEST; 02:30 does not exist.
        Window("23:00", "02:30", "Europe/Berlin").EndIfInside(Utc(3, 28, 22, 30)).Should().Be(Utc(3, 29, 1, 0), "03:00 CEST");
        // Berlin, 25 October 2026: 03:00 CEST becomes 02:00 CET; 02:30 happens twice, the window ends at the first.
        Window("23:00", "02:30", "Europe/Berlin").EndIfInside(Utc(10, 24, 21, 30)).Should().Be(Utc(10, 25, 0, 30), "02:30 CEST");
        // Inside the repeated hour's second pass (02:10 CET) the window has already ended at 02:30 CEST: 00:30 UTC passed.
        Window("23:00", "02:30", "Europe/Berlin").EndIfInside(Utc(10, 25, 1, 10)).Should().BeNull();
    }

    [Fact]
    public void Hold_waits_silent_and_the_kinds_that_must_not_wait_go_at_once_without_sound()
    {
        var now = Utc(3, 2, 21, 0); // 00:00 Moscow
        var end = Utc(3, 3, 4, 0);
        RecipientRules.Quiet("mechanic_status_change", Window("23:00", "07:00"), now, null).Should().Be(QuietDecision.Hold(end));
        RecipientRules.Quiet("mechanic_status_change", Window("23:00", "07:00", mode: QuietModes.Silent), now, null).Should().Be(QuietDecision.SendSilently);
        RecipientRules.Quiet(BookingNotificationTypeCodes.BookingStart, Window("23:00", "07:00"), now, null).Should().Be(QuietDecision.SendSilently);
        RecipientRules.Quiet(BookingNotificationTypeCodes.BookingCancel, Window("23:00", "07:00"), now, null).Should().Be(QuietDecision.SendSilently);
        RecipientRules.Quiet(BookingNotificationTypeCodes.BookingEnd, Window("23:00", "07:00"), now, now.AddHours(1)).Should().Be(QuietDecision.SendSilently, "it would expire while held");
        RecipientRules.Quiet(BookingNotificationTypeCodes.Booking24H, Window("23:00", "07:00"), now, end.AddHours(1)).Should().Be(QuietDecision.Hold(end));
        RecipientRules.Quiet("mechanic_status_change", null, now, null).Should().Be(QuietDecision.Normal);
        RecipientRules.Quiet("mechanic_status_change", Window("23:00", "07:00"), Utc(3, 2, 9, 0), null).Should().Be(QuietDecision.Normal);
    }
}
