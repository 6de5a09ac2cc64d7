using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using FelixHub.Core.Bookings;
using FelixHub.Tests.Infrastructure;
using Codes = FelixHub.Core.Bookings.BookingNotificationTypeCodes;
using States = FelixHub.Core.Bookings.BookingNotificationStatusCodes;

namespace FelixHub.Tests.Bookings;

/// <summary>The bookings API: planning on create, cancel, and 400/404 ProblemDetails that write nothing.</summary>
public sealed class BookingsApiTests(BookingFixture fixture) : IClassFixture<BookingFixture>, IAsyncLifetime
{
    private readonly TestWorker worker = fixture.Worker;

    public Task InitializeAsync() => fixture.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<HttpResponseMessage> PostRawAsync(string url, string body)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        return await worker.Http.PostAsync(url, content);
    }

    private static async Task<JsonObject> ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        response.StatusCode.Should().Be(status);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        problem["status"]!.GetValue<int>().Should().Be((int)status);
        return problem;
    }

    [Fact]
    public async Task A_user_is_created_with_or_without_a_telegram_id()
    {
        var response = await PostRawAsync("/api/users", """{"telegramId":"123456789","name":"Анна"}""");

        response.StatusCode.Should().Be(HttpStatusCode.Created);
        var user = (await response.Content.ReadFromJsonAsync<UserResponse>())!;
        user.Should().BeEquivalentTo(new { TelegramId = "123456789", Name = "Анна", CreatedAt = fixture.Now });
        user.Id.Should().BePositive();

        var unlinked = await worker.CreateUserAsync(telegramId: null, name: null);
        unlinked.TelegramId.Should().BeNull();
    }

    [Fact]
    public async Task A_booking_plans_its_24h_1h_start_and_end_reminders_in_UTC()
    {
        var user = await worker.CreateUserAsync(TestWorker.NewChatId());
        var start = fixture.Now.AddDays(2);
        var body = new { userId = user.Id, resourceName = "  Переговорная «Нева»  ", startTime = BookingsApiClient.Iso(start), endTime = BookingsApiClient.Iso(start.AddHours(2), TimeSpan.FromHours(-5)) };

        var response = await worker.Http.PostAsJsonAsync("/api/bookings", body);

        response.StatusCode.Should().Be(HttpStatusCode.Created);
        var booking = (await response.Content.ReadFromJsonAsync<BookingResponse>())!;
        response.Headers.Location!.ToString().Should().Be($"/api/bookings/{booking.Id}");
        booking.Should().BeEquivalentTo(new
        {
            UserId = user.Id,
            ResourceName = "Переговорная «Нева»",
            StartTime = start,
            EndTime = start.AddHours(2),
            Status = "active",
            CreatedAt = fixture.Now,
        });
        booking.StartTime.Offset.Should().Be(TimeSpan.Zero, "times are stored and returned in UTC");
        booking.Notifications.Select(n => (n.Type, n.Status, n.ScheduledAt)).Should().Equal(
            (Codes.Booking24H, States.Pending, start.AddHours(-24)),
            (Codes.Booking1H, States.Pending, start.AddHours(-1)),
            (Codes.BookingStart, States.Pending, start),
            (Codes.BookingEnd, States.Pending, start.AddHours(2)));
        booking.Notifications.Should().OnlyContain(n => n.SentAt == null && n.Error == null);

        (await worker.BookingNotificationsAsync(booking.Id)).Should().BeEquivalentTo(booking.Notifications, o => o.WithStrictOrdering());
        (await worker.Http.GetFromJsonAsync<BookingResponse>($"/api/bookings/{booking.Id}")).Should().BeEquivalentTo(booking);
    }

    [Theory]
    [InlineData(30, new[] { Codes.BookingStart, Codes.BookingEnd })]
    [InlineData(60, new[] { Codes.Booking1H, Codes.BookingStart, Codes.BookingEnd })]
    [InlineData(61, new[] { Codes.Booking1H, Codes.BookingStart, Codes.BookingEnd })]
    [InlineData(24 * 60 - 1, new[] { Codes.Booking1H, Codes.BookingStart, Codes.BookingEnd })]
    [InlineData(24 * 60, new[] { Codes.Booking24H, Codes.Booking1H, Codes.BookingStart, Codes.BookingEnd })]
    public async Task Reminders_whose_time_has_passed_at_creation_are_not_planned(int minutesAhead, string[] planned)
    {
        var user = await worker.CreateUserAsync(TestWorker.NewChatId());
        var start = fixture.Now.AddMinutes(minutesAhead);

        var booking = await worker.CreateBookingAsync(user.Id, start, start.AddHours(1));

        booking.Notifications.Select(n => n.Type).Should().Equal(planned);
    }

    public static TheoryData<string, string> InvalidBookings => new()
    {
        { """{"userId":{user},"resourceName":"Зал","startTime":"{start}","endTime":"{before}"}""", "endTime" },
        { """{"userId":{user},"resourceName":"Зал","startTime":"{start}","endTime":"{start}"}""", "endTime" },
        { """{"userId":{user},"resourceName":"Зал","startTime":"{past}","endTime":"{end}"}""", "startTime" },
        { """{"userId":987654,"resourceName":"Зал","startTime":"{start}","endTime":"{end}"}""", "userId" },
        { """{"userId":-1,"resourceName":"Зал","startTime":"{start}","endTime":"{end}"}""", "userId" },
        { """{"resourceName":"Зал","startTime":"{start}","endTime":"{end}"}""", "userId" },
        { """{"userId":"{user}","resourceName":"Зал","startTime":"{start}","endTime":"{end}"}""", "userId" },
        { """{"userId":{user},"resourceName":"Зал","startTime":"2030-05-01","endTime":"{end}"}""", "startTime" },
        { """{"userId":{user},"resourceName":"Зал","startTime":"tomorrow at 9","endTime":"{end}"}""", "startTime" },
        { """{"userId":{user},"resourceName":"Зал","startTime":"2030-02-30T10:00:00Z","endTime":"{end}"}""", "startTime" },
        { """{"userId":{user},"resourceName":"Зал","startTime":1893456000,"endTime":"{end}"}""", "startTime" },
        { """{"userId":{user},"resourceName":"Зал","endTime":"{end}"}""", "startTime" },
        { """{"userId":{user},"resourceName":"   ","startTime":"{start}","endTime":"{end}"}""", "resourceName" },
        { """{"userId":{user},"startTime":"{start}","endTime":"{end}"}""", "resourceName" },
        { """{"userId":{user},"resourceName":"{long}","startTime":"{start}","endTime":"{end}"}""", "resourceName" },
        { """{"userId":{user},"resourceName":"Зал","startTime":"{start}","endTime":"{end}","room":1}""", "room" },
        { """{"userId":{user},"resourceName":"Зал","startTime":"{start}" """, "body" },
    };

    [Theory]
    [MemberData(nameof(InvalidBookings))]
    public async Task An_invalid_booking_is_a_400_naming_the_field_and_writes_nothing(string template, string field)
    {
        var user = await worker.CreateUserAsync(TestWorker.NewChatId());
        var start = fixture.Now.AddDays(1);
        var body = template
            .Replace("{user}", user.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{start}", BookingsApiClient.Iso(start), StringComparison.Ordinal)
            .Replace("{end}", BookingsApiClient.Iso(start.AddHours(1)), StringComparison.Ordinal)
            .Replace("{before}", BookingsApiClient.Iso(start.AddMinutes(-1)), StringComparison.Ordinal)
            .Replace("{past}", BookingsApiClient.Iso(fixture.Now.AddSeconds(-1)), StringComparison.Ordinal)
            .Replace("{long}", new string('x', 201), StringComparison.Ordinal);
        var before = await worker.CountRowsAsync();

        var response = await PostRawAsync("/api/bookings", body);

        var problem = await ProblemAsync(response, HttpStatusCode.BadRequest);
        problem["errors"]!.AsObject().Select(e => e.Key).Should().Contain(field);
        (await worker.CountRowsAsync()).Should().Be(before, "a rejected booking writes nothing");
    }

    [Fact]
    public async Task A_timestamp_without_an_offset_is_read_as_UTC_as_seed_001_writes_them()
    {
        var user = await worker.CreateUserAsync(TestWorker.NewChatId());
        var start = new DateTimeOffset(fixture.Now.Date.AddDays(2).AddHours(12), TimeSpan.Zero);

        var response = await PostRawAsync("/api/bookings",
            $$"""{"userId":{{user.Id}},"resourceName":"Зал","startTime":"{{start:yyyy-MM-dd'T'HH:mm:ss}}","endTime":"{{start.AddMinutes(90):yyyy-MM-dd'T'HH:mm:ss.fff}}"}""");

        response.StatusCode.Should().Be(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var booking = (await response.Content.ReadFromJsonAsync<BookingResponse>())!;
        booking.StartTime.Should().Be(start);
        booking.StartTime.Offset.Should().Be(TimeSpan.Zero);
        booking.EndTime.Should().Be(start.AddMinutes(90));
        booking.Notifications.Single(n => n.Type == Codes.Booking24H).ScheduledAt.Should().Be(start.AddHours(-24));
        booking.Notifications.Single(n => n.Type == Codes.BookingStart).ScheduledAt.Should().Be(start, "12:00 without an offset is 12:00 UTC, not 12:00 Moscow time");
    }

    [Theory]
    [InlineData("""{"telegramId":"not a chat"}""", "telegramId")]
    [InlineData("""{"telegramId":12.5}""", "telegramId")]
    [InlineData("""{"telegramId":["12345"]}""", "telegramId")]
    [InlineData("""{"telegramId":"12345","name":""}""", "name")]
    [InlineData("""{"telegramId":"12345","extra":true}""", "extra")]
    public async Task An_invalid_user_is_a_400_naming_the_field_and_writes_nothing(string body, string field)
    {
        var before = await worker.CountRowsAsync();

        var problem = await ProblemAsync(await PostRawAsync("/api/users", body), HttpStatusCode.BadRequest);

        problem["errors"]!.AsObject().Select(e => e.Key).Should().Contain(field);
        (await worker.CountRowsAsync()).Should().Be(before);
    }

    [Fact]
    public async Task Unknown_booking_ids_are_404_problems()
    {
        await ProblemAsync(await worker.Http.PostAsync("/api/bookings/987654/cancel", content: null), HttpStatusCode.NotFound);
        await ProblemAsync(await worker.Http.GetAsync("/api/bookings/987654/notifications"), HttpStatusCode.NotFound);
        await ProblemAsync(await worker.Http.GetAsync("/api/bookings/987654"), HttpStatusCode.NotFound);
        (await worker.CountRowsAsync()).Should().Be((0, 0, 0));
    }

    [Fact]
    public async Task Cancelling_twice_is_harmless()
    {
        var user = await worker.CreateUserAsync(TestWorker.NewChatId());
        var booking = await worker.CreateBookingAsync(user.Id, fixture.Now.AddDays(2), fixture.Now.AddDays(2).AddHours(1));

        var first = await worker.CancelBookingAsync(booking.Id);
        var again = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => worker.CancelBookingAsync(booking.Id)));

        first.Status.Should().Be("cancelled");
        first.CancelledAt.Should().Be(fixture.Now);
        again.Should().OnlyContain(b => b.Status == "cancelled" && b.CancelledAt == first.CancelledAt);
        var notifications = await worker.BookingNotificationsAsync(booking.Id);
        notifications.Should().HaveCount(5);
        notifications.Should().ContainSingle(n => n.Type == Codes.BookingCancel);
        notifications.Where(n => n.Type != Codes.BookingCancel).Should().OnlyContain(n => n.Status == States.Cancelled);
    }

    [Fact]
    public async Task Concurrent_first_cancels_queue_one_notice()
    {
        var user = await worker.CreateUserAsync(TestWorker.NewChatId());
        var booking = await worker.CreateBookingAsync(user.Id, fixture.Now.AddDays(2), fixture.Now.AddDays(2).AddHours(1));

        await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => worker.CancelBookingAsync(booking.Id)));

        (await worker.BookingNotificationsAsync(booking.Id)).Count(n => n.Type == Codes.BookingCancel).Should().Be(1);
        worker.Logs.Containing($"Booking {booking.Id} cancelled:").Should().ContainSingle();
    }
}
