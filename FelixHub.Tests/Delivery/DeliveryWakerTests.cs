using System.Net.Http.Json;
using System.Text.Json.Nodes;
using FelixHub.Core.Bookings;
using FelixHub.Core.Bookings.Messages;
using FelixHub.Core.Delivery;
using FelixHub.Tests.Bookings;
using FelixHub.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Xunit.Abstractions;
using Codes = FelixHub.Core.Bookings.BookingNotificationTypeCodes;
using States = FelixHub.Core.Bookings.BookingNotificationStatusCodes;

namespace FelixHub.Tests.Delivery;

/// <summary>
/// Reminders reach Telegram at their time, sent by the replicas' due-time wakers — not by the recurring
/// dispatch job, whose cron here never fires (its one run at start-up finds nothing due). Each bound below
/// is far shorter than any safety net could explain: only the waker sends in time.
/// </summary>
public sealed class DeliveryWakerTests(ITestOutputHelper output)
{
    private static readonly TimeZoneInfo Moscow = TimeZoneInfo.FindSystemTimeZoneById("Europe/Moscow");

    /// <summary>How long after its due time a reminder may take here: generous for a loaded machine, far below the old minute.</summary>
    private static readonly TimeSpan Late = TimeSpan.FromSeconds(15);

    /// <summary>Only the wakers send on time: the cron never fires, the wakers' own re-read is minutes apart.</summary>
    private static Dictionary<string, string?> Settings(bool server = true) => new()
    {
        ["Delivery:DispatchCron"] = BookingFixture.NeverCron,
        ["Delivery:WakerMaxSleepSeconds"] = "300",
        ["Hangfire:ServerEnabled"] = server ? "true" : "false",
    };

    private static string StartText(BookingResponse booking) =>
        BookingMessages.Create(BookingNotificationType.BookingStart, new BookingMessageData(booking.ResourceName, booking.StartTime, booking.EndTime, Moscow));

    /// <summary>A user with a fresh chat, booked from <paramref name="start"/> for an hour: its first reminder is the start's.</summary>
    private static async Task<(string ChatId, BookingResponse Booking)> BookAsync(TestWorker api, DateTimeOffset start, string resource = "Подъёмник №2")
    {
        var chatId = TestWorker.NewChatId();
        var user = await api.CreateUserAsync(chatId);
        var booking = await api.CreateBookingAsync(user.Id, start, start.AddHours(1), resource);
        booking.Notifications.Select(n => n.Type).Should().Equal(Codes.BookingStart, Codes.BookingEnd);
        return (chatId, booking);
    }

    /// <summary>A whole second (the API client sends whole seconds) at least <paramref name="ahead"/> from now.</summary>
    private static DateTimeOffset SecondsAhead(int ahead)
    {
        var at = DateTimeOffset.UtcNow.AddSeconds(ahead + 1);
        return at.AddTicks(-(at.UtcTicks % TimeSpan.TicksPerSecond));
    }

    private static async Task<TelegramCall> ArrivesInTimeAsync(FakeTelegramServer telegram, string chatId, DateTimeOffset due, string what)
    {
        var deadline = due + Late - DateTimeOffset.UtcNow;
        await Eventually.Until(() => telegram.Delivered.Any(c => c.ChatId == chatId), what, deadline > TimeSpan.Zero ? deadline : TimeSpan.Zero);
        var call = telegram.Delivered.Single(c => c.ChatId == chatId);
        call.At.Should().BeOnOrAfter(due, "a reminder never goes out before its time");
        return call;
    }

    /// <summary>The reminder once its outcome is recorded (Telegram has it a moment before the commit).</summary>
    private static async Task<BookingNotificationResponse> SentAsync(TestWorker worker, int bookingId, string type)
    {
        await Eventually.Until(async () => (await worker.ReminderAsync(bookingId, type)).Status != States.Processing, $"the {type} outcome recorded");
        var reminder = await worker.ReminderAsync(bookingId, type);
        reminder.Status.Should().Be(States.Sent);
        return reminder;
    }

    /// <summary>The <c>delivery-waker</c> entry of <c>/health</c> (whatever the overall status).</summary>
    private static async Task<(string Status, string Description)> WakerHealthAsync(TestWorker worker)
    {
        using var response = await worker.Http.GetAsync("/health");
        var check = (await response.Content.ReadFromJsonAsync<JsonObject>())!["checks"]!["delivery-waker"]!;
        return (check["status"]!.GetValue<string>(), check["description"]!.GetValue<string>());
    }

    private static Task WaitListeningAsync(TestWorker worker) =>
        Eventually.Until(() => worker.Services.GetRequiredService<DeliveryWaker>().IsListening, "the due-time waker listening", TimeSpan.FromSeconds(20));

    [Fact]
    public async Task A_reminder_due_in_a_few_seconds_is_sent_at_its_time_not_at_a_dispatch_tick()
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        await using var telegram = await FakeTelegramServer.StartAsync();
        try
        {
            await using var worker = await TestWorker.StartAsync(database, telegram, Settings());
            await WaitListeningAsync(worker);

            var (chatId, booking) = await BookAsync(worker, SecondsAhead(4));

            var call = await ArrivesInTimeAsync(telegram, chatId, booking.StartTime, "the start reminder, within seconds of its time");
            output.WriteLine($"due {booking.StartTime:HH:mm:ss.fff}, received {call.At:HH:mm:ss.fff} ({(call.At - booking.StartTime).TotalMilliseconds:F0} ms late)");
            call.Text.Should().Be(StartText(booking));
            await SentAsync(worker, booking.Id, Codes.BookingStart);
            (await worker.ReminderAsync(booking.Id, Codes.BookingEnd)).Status.Should().Be(States.Pending, "the end reminder is an hour away");
        }
        finally
        {
            await PostgresServer.DropDatabaseAsync(database);
        }
    }

    [Fact]
    public async Task The_waker_sleeps_on_the_hosts_clock_a_fake_clock_moved_past_the_due_time_sends_the_reminder()
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        await using var telegram = await FakeTelegramServer.StartAsync();
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 2, 6, 0, 0, TimeSpan.Zero));
        try
        {
            await using var worker = await TestWorker.StartAsync(database, telegram,
                new Dictionary<string, string?>(Settings()) { ["Telegram:MaxRetryAttempts"] = "0" }, // Polly would wait on the fake clock
                s => s.AddSingleton<TimeProvider>(clock));
            await WaitListeningAsync(worker);
            var chatId = TestWorker.NewChatId();
            var user = await worker.CreateUserAsync(chatId);
            var start = clock.GetUtcNow().AddHours(2);
            var booking = await worker.CreateBookingAsync(user.Id, start, start.AddHours(1));
            var due = start.AddHours(-1);

            clock.SetUtcNow(due.AddSeconds(-1));
            await Task.Delay(TimeSpan.FromSeconds(1.5));
            telegram.Delivered.Where(c => c.ChatId == chatId).Should().BeEmpty("the 1 h reminder is still a second away on the host's clock");

            clock.Advance(TimeSpan.FromSeconds(1));
            await Eventually.Until(() => telegram.Delivered.Any(c => c.ChatId == chatId), "the 1 h reminder once the clock reached its time", Late);

            telegram.Delivered.Where(c => c.ChatId == chatId).Should().ContainSingle().Which.Text.Should().Contain("Через 1 час начинается ваше бронирование.");
            (await SentAsync(worker, booking.Id, Codes.Booking1H)).SentAt.Should().Be(due, "sent at its time on the host's clock");
        }
        finally
        {
            await PostgresServer.DropDatabaseAsync(database);
        }
    }

    [Fact]
    public async Task A_reminder_written_on_one_replica_is_sent_on_time_by_another_replicas_waker()
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        await using var telegram = await FakeTelegramServer.StartAsync();
        try
        {
            // A serves the API only (no Hangfire server, so no waker); B runs the background work.
            await using var a = await TestWorker.StartAsync(database, telegram, Settings(server: false));
            await using var b = await TestWorker.StartAsync(database, telegram, Settings());
            await WaitListeningAsync(b);
            a.Services.GetRequiredService<DeliveryWaker>().IsListening.Should().BeFalse("a replica without a Hangfire server runs no waker");
            (await WakerHealthAsync(a)).Description.Should().StartWith("Not running on this replica");
            (await WakerHealthAsync(b)).Should().Be(("healthy", "Listening on felixhub_delivery_due."));

            var (chatId, booking) = await BookAsync(a, SecondsAhead(4));

            var call = await ArrivesInTimeAsync(telegram, chatId, booking.StartTime, "the start reminder written on A, sent by B in time (only A's NOTIFY tells B)");
            output.WriteLine($"due {booking.StartTime:HH:mm:ss.fff}, received {call.At:HH:mm:ss.fff}");
            call.Text.Should().Be(StartText(booking));
            await Eventually.Until(() => b.Logs.Containing("Due-time waker: 1 claimed, 1 sent").Any(), "B's waker's pass logged as the one that sent it");
        }
        finally
        {
            await PostgresServer.DropDatabaseAsync(database);
        }
    }

    [Fact]
    public async Task The_waker_survives_a_database_restart_sends_what_came_due_meanwhile_and_hears_new_reminders_again()
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        var real = new NpgsqlConnectionStringBuilder(database);
        await using var proxy = new TcpProxy(real.Host!, real.Port);
        var viaProxy = new NpgsqlConnectionStringBuilder(database) { Port = proxy.Port, Timeout = 3 }.ConnectionString;
        await using var telegram = await FakeTelegramServer.StartAsync();
        try
        {
            await using var a = await TestWorker.StartAsync(database, telegram, Settings(server: false));
            await using var b = await TestWorker.StartAsync(viaProxy, telegram, Settings());
            var waker = b.Services.GetRequiredService<DeliveryWaker>();
            await WaitListeningAsync(b);

            // Due while B cannot reach the database: every connection of B drops, new ones are refused.
            var (duringChat, during) = await BookAsync(a, SecondsAhead(3), "Подъёмник №1");
            proxy.Cut();
            await Eventually.Until(() => !waker.IsListening, "B's LISTEN connection to drop");
            (await WakerHealthAsync(b)).Status.Should().Be("degraded", "/health says the waker's LISTEN is reconnecting");
            await Task.Delay(during.StartTime - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(2));
            telegram.Delivered.Should().NotContain(c => c.ChatId == duringChat, "B cannot claim it while the database is away");
            proxy.Restore();
            var restored = DateTimeOffset.UtcNow;

            var late = await ArrivesInTimeAsync(telegram, duringChat, restored, "the reminder that came due during the outage, soon after it");
            late.Text.Should().Be(StartText(during));
            await WaitListeningAsync(b);
            b.Logs.Containing("Due-time waker: listening again").Should().NotBeEmpty();
            (await WakerHealthAsync(b)).Status.Should().Be("healthy");

            var (afterChat, after) = await BookAsync(a, SecondsAhead(4), "Подъёмник №3");
            var call = await ArrivesInTimeAsync(telegram, afterChat, after.StartTime, "a reminder written on A after the restart, sent by B in time (its LISTEN is back)");
            output.WriteLine($"after the outage: due {after.StartTime:HH:mm:ss.fff}, received {call.At:HH:mm:ss.fff}; the one due during it received {late.At - during.StartTime} after its time");
            telegram.Delivered.Where(c => c.ChatId == duringChat || c.ChatId == afterChat).Should().HaveCount(2, "each once");
        }
        finally
        {
            await PostgresServer.DropDatabaseAsync(database);
        }
    }

    [Fact]
    public async Task A_retry_after_a_transient_failure_goes_out_at_its_backoff_time()
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        await using var telegram = await FakeTelegramServer.StartAsync();
        try
        {
            await using var worker = await TestWorker.StartAsync(database, telegram, new Dictionary<string, string?>(Settings())
            {
                ["Delivery:RetryBaseDelaySeconds"] = "3",
                ["Telegram:MaxRetryAttempts"] = "0", // one call per attempt: the retry is the dispatcher's, at its backoff
            });
            await WaitListeningAsync(worker);
            var chatId = TestWorker.NewChatId();
            var calls = 0;
            telegram.Respond(c => c.ChatId == chatId && Interlocked.Increment(ref calls) == 1 ? FakeReply.ServerError : null);
            var user = await worker.CreateUserAsync(chatId);
            var start = SecondsAhead(3);
            var booking = await worker.CreateBookingAsync(user.Id, start, start.AddHours(1));

            await Eventually.Until(() => telegram.Calls.Any(c => c.ChatId == chatId), "the first attempt", start + Late - DateTimeOffset.UtcNow);
            var failedAt = telegram.Calls.First(c => c.ChatId == chatId).At;
            var retry = await ArrivesInTimeAsync(telegram, chatId, failedAt + TimeSpan.FromSeconds(3), "the retry, at its backoff time");

            output.WriteLine($"due {start:HH:mm:ss.fff}, failed at {failedAt:HH:mm:ss.fff}, retried and received at {retry.At:HH:mm:ss.fff}");
            retry.Text.Should().Be(StartText(booking));
            await SentAsync(worker, booking.Id, Codes.BookingStart);
        }
        finally
        {
            await PostgresServer.DropDatabaseAsync(database);
        }
    }

    [Fact]
    public async Task A_cancelled_bookings_reminder_is_not_sent_when_its_time_comes()
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        await using var telegram = await FakeTelegramServer.StartAsync();
        try
        {
            await using var worker = await TestWorker.StartAsync(database, telegram, Settings());
            await WaitListeningAsync(worker);
            var start = SecondsAhead(4);
            var (cancelledChat, cancelled) = await BookAsync(worker, start, "Подъёмник №4");
            var (keptChat, kept) = await BookAsync(worker, start.AddSeconds(1), "Подъёмник №5");

            var afterCancel = await worker.CancelBookingAsync(cancelled.Id);
            afterCancel.Notifications.Single(n => n.Type == Codes.BookingStart).Status.Should().Be(States.Cancelled);

            // The kept booking's reminder is due a second after the cancelled one's: once it arrived, the
            // waker has been past the cancelled reminder's time.
            await ArrivesInTimeAsync(telegram, keptChat, kept.StartTime, "the other booking's start reminder");
            await Eventually.Until(() => telegram.Delivered.Any(c => c.ChatId == cancelledChat), "the cancellation notice");
            await Task.Delay(TimeSpan.FromSeconds(1));
            telegram.Delivered.Where(c => c.ChatId == cancelledChat).Select(c => c.Text).Should().Equal(
                [BookingMessages.Create(BookingNotificationType.BookingCancel, new BookingMessageData(cancelled.ResourceName, cancelled.StartTime, cancelled.EndTime, Moscow))],
                "only the cancellation notice, never the cancelled start reminder");
            (await worker.ReminderAsync(cancelled.Id, Codes.BookingStart)).Status.Should().Be(States.Cancelled);
        }
        finally
        {
            await PostgresServer.DropDatabaseAsync(database);
        }
    }
}
