using FelixHub.Core.Bookings;
using FelixHub.Core.Delivery;
using FelixHub.Core.Bookings.Messages;
using FelixHub.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Serilog.Events;
using Codes = FelixHub.Core.Bookings.BookingNotificationTypeCodes;
using States = FelixHub.Core.Bookings.BookingNotificationStatusCodes;

namespace FelixHub.Tests.Bookings;

/// <summary>The dispatch job against real PostgreSQL and the fake Bot API, with the clock moved by the test.</summary>
public sealed class BookingReminderDispatchTests(BookingFixture fixture) : IClassFixture<BookingFixture>, IAsyncLifetime
{
    private static readonly TimeZoneInfo Moscow = TimeZoneInfo.FindSystemTimeZoneById("Europe/Moscow");

    private readonly TestWorker worker = fixture.Worker;
    private readonly FakeTelegramServer telegram = fixture.Telegram;

    public Task InitializeAsync() => fixture.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private IReadOnlyList<TelegramCall> CallsTo(string chatId) => telegram.Calls.Where(c => c.ChatId == chatId).ToList();
    private IReadOnlyList<TelegramCall> DeliveredTo(string chatId) => telegram.Delivered.Where(c => c.ChatId == chatId).ToList();

    private static string Text(string type, BookingResponse booking) =>
        BookingMessages.Create(BookingNotificationTypeCodes.FromCode(type), new BookingMessageData(booking.ResourceName, booking.StartTime, booking.EndTime, Moscow));

    /// <summary>A user with a fresh chat and a booking starting <paramref name="startsIn"/> from now, lasting 90 minutes.</summary>
    private async Task<(string ChatId, BookingResponse Booking)> BookAsync(TimeSpan startsIn, string? chatId = "new", string resource = "Переговорная «Нева»")
    {
        chatId = chatId == "new" ? TestWorker.NewChatId() : chatId;
        var user = await worker.CreateUserAsync(chatId);
        var start = fixture.Now + startsIn;
        var booking = await worker.CreateBookingAsync(user.Id, start, start.AddMinutes(90), resource);
        return (chatId!, booking);
    }

    [Fact]
    public async Task Only_due_reminders_are_sent_each_at_its_time()
    {
        var (chatId, booking) = await BookAsync(TimeSpan.FromDays(2));

        (await worker.DispatchAsync()).Claimed.Should().Be(0, "nothing is due two days ahead");

        fixture.Clock.SetUtcNow(booking.StartTime.AddHours(-24).AddSeconds(-1));
        (await worker.DispatchAsync()).Claimed.Should().Be(0, "one second early");
        CallsTo(chatId).Should().BeEmpty();

        fixture.Clock.Advance(TimeSpan.FromSeconds(1));
        var run = await worker.DispatchAsync();
        run.Sent.Should().Be(1);
        DeliveredTo(chatId).Select(c => c.Text).Should().Equal(Text(Codes.Booking24H, booking));
        var day = await worker.ReminderAsync(booking.Id, Codes.Booking24H);
        day.Status.Should().Be(States.Sent);
        day.SentAt.Should().Be(fixture.Now);
        (await worker.BookingNotificationsAsync(booking.Id)).Where(n => n.Type != Codes.Booking24H)
            .Should().OnlyContain(n => n.Status == States.Pending && n.SentAt == null);

        fixture.Clock.SetUtcNow(booking.StartTime.AddHours(-1));
        (await worker.DispatchAsync()).Sent.Should().Be(1);
        fixture.Clock.SetUtcNow(booking.StartTime);
        (await worker.DispatchAsync()).Sent.Should().Be(1);
        fixture.Clock.SetUtcNow(booking.EndTime);
        (await worker.DispatchAsync()).Sent.Should().Be(1);
        fixture.Clock.Advance(TimeSpan.FromDays(1));
        (await worker.DispatchAsync()).Claimed.Should().Be(0);

        DeliveredTo(chatId).Select(c => c.Text).Should().Equal(
            Text(Codes.Booking24H, booking), Text(Codes.Booking1H, booking), Text(Codes.BookingStart, booking), Text(Codes.BookingEnd, booking));
        CallsTo(chatId).Should().HaveCount(4).And.OnlyContain(c => string.Equals(c.ParseMode, "HTML", StringComparison.OrdinalIgnoreCase));
        (await worker.BookingNotificationsAsync(booking.Id)).Should().OnlyContain(n => n.Status == States.Sent && n.Error == null);
    }

    [Fact]
    public async Task The_message_names_the_resource_escaped_and_the_local_start_time()
    {
        var (chatId, booking) = await BookAsync(TimeSpan.FromMinutes(60), resource: "Зал <A> & \"B\"");

        await worker.DispatchAsync();

        var text = DeliveredTo(chatId).Should().ContainSingle().Subject.Text!;
        var localStart = TimeZoneInfo.ConvertTime(booking.StartTime, Moscow);
        text.Should().StartWith("⏰ Напоминание о бронировании\n\nЧерез 1 час начинается ваше бронирование.")
            .And.Contain("📍 Ресурс: <b>Зал &lt;A&gt; &amp; &quot;B&quot;</b>")
            .And.Contain($"🕒 Начало: {localStart:dd.MM.yyyy HH:mm} (UTC+03:00)");
    }

    [Fact]
    public async Task A_claim_takes_at_most_the_batch_size_and_a_run_drains_every_due_batch()
    {
        var chats = new List<string>();
        for (var i = 0; i < 25; i++)
            chats.Add((await BookAsync(TimeSpan.FromHours(1))).ChatId); // each: its 1 h reminder is due now

        var claim = await worker.ClaimAsync(10);
        claim.Messages.Should().HaveCount(10, "Delivery:BatchSize is 10 here and one claim takes at most that");
        (await worker.ProcessAsync(claim)).Sent.Should().Be(10);

        var run = await worker.DispatchAsync();

        run.Batches.Should().Be(2, "15 left: a batch of 10 and a short one of 5, in the same run");
        run.Claimed.Should().Be(15);
        run.Sent.Should().Be(15);
        chats.Should().OnlyContain(chat => DeliveredTo(chat).Count == 1);
    }

    [Fact]
    public async Task Cancelling_before_any_reminder_sends_only_the_cancellation_notice()
    {
        var (chatId, booking) = await BookAsync(TimeSpan.FromDays(2));

        var cancelled = await worker.CancelBookingAsync(booking.Id);

        cancelled.Status.Should().Be("cancelled");
        cancelled.Notifications.Should().HaveCount(5);
        cancelled.Notifications.Where(n => n.Type != Codes.BookingCancel).Should().OnlyContain(n => n.Status == States.Cancelled);
        cancelled.Notifications.Single(n => n.Type == Codes.BookingCancel).Should().BeEquivalentTo(new { Status = States.Pending, ScheduledAt = fixture.Now });

        (await worker.DispatchAsync()).Sent.Should().Be(1);
        fixture.Clock.SetUtcNow(booking.EndTime.AddHours(1));
        (await worker.DispatchAsync()).Claimed.Should().Be(0, "the cancelled reminders never become due");

        DeliveredTo(chatId).Select(c => c.Text).Should().Equal(Text(Codes.BookingCancel, booking));
        (await worker.ReminderAsync(booking.Id, Codes.BookingCancel)).Status.Should().Be(States.Sent);
    }

    [Fact]
    public async Task Cancelling_after_some_reminders_went_out_keeps_them_and_cancels_the_rest()
    {
        var (chatId, booking) = await BookAsync(TimeSpan.FromDays(2));
        fixture.Clock.SetUtcNow(booking.StartTime.AddHours(-1));
        (await worker.DispatchAsync()).Sent.Should().Be(1, "the 24 h and the 1 h reminders are both due, and a chat gets one message per turn: the older first");
        fixture.Clock.Advance(TimeSpan.FromSeconds(1));
        (await worker.DispatchAsync()).Sent.Should().Be(1, "the chat's next turn");

        var cancelled = await worker.CancelBookingAsync(booking.Id);
        (await worker.DispatchAsync()).Sent.Should().Be(1);
        fixture.Clock.SetUtcNow(booking.EndTime.AddMinutes(1));
        (await worker.DispatchAsync()).Claimed.Should().Be(0);

        cancelled.Notifications.Select(n => (n.Type, n.Status)).Should().BeEquivalentTo(new[]
        {
            (Codes.Booking24H, States.Sent), (Codes.Booking1H, States.Sent), (Codes.BookingStart, States.Cancelled),
            (Codes.BookingEnd, States.Cancelled), (Codes.BookingCancel, States.Pending),
        });
        var delivered = DeliveredTo(chatId).Select(c => c.Text).ToList();
        delivered.Should().HaveCount(3);
        delivered.Take(2).Should().Equal(Text(Codes.Booking24H, booking), Text(Codes.Booking1H, booking)); // in the order they were due
        delivered[2].Should().Be(Text(Codes.BookingCancel, booking));
    }

    [Fact]
    public async Task A_reminder_claimed_by_a_dispatcher_that_crashed_is_reclaimed_after_the_lease_and_sent_once()
    {
        var (chatId, booking) = await BookAsync(TimeSpan.FromHours(1));
        var abandoned = await worker.ClaimAsync(10); // the dispatcher dies right after its claim commits
        abandoned.Messages.Should().ContainSingle();
        var id = abandoned.Messages[0].Id;
        (await worker.NotificationRowAsync(id)).State.Should().Be(DeliveryStates.Sending);

        (await worker.DispatchAsync()).Claimed.Should().Be(0, "the lease still holds");
        fixture.Clock.Advance(TimeSpan.FromSeconds(59));
        (await worker.DispatchAsync()).Claimed.Should().Be(0, "the lease (60 s) still holds one second before it ends");

        fixture.Clock.Advance(TimeSpan.FromSeconds(1));
        var run = await worker.DispatchAsync();

        run.Should().BeEquivalentTo(new { Claimed = 1, Sent = 1 }, o => o.ExcludingMissingMembers());
        var row = await worker.NotificationRowAsync(id);
        row.State.Should().Be(DeliveryStates.Sent);
        row.Attempts.Should().Be(1, "claimed twice, but the claim cut off by the crash is not an attempt");
        row.ClaimToken.Should().BeNull();
        row.NextAttemptAt.Should().BeNull();

        fixture.Clock.Advance(TimeSpan.FromMinutes(10));
        (await worker.DispatchAsync()).Claimed.Should().Be(0, "a sent reminder is never claimed again");
        DeliveredTo(chatId).Should().ContainSingle().Which.Text.Should().Be(Text(Codes.Booking1H, booking));
    }

    [Fact]
    public async Task A_reminder_whose_dispatcher_is_killed_each_time_it_holds_it_becomes_a_dead_letter_after_MaxAttempts_claims_in_a_row()
    {
        var (chatId, _) = await BookAsync(TimeSpan.FromHours(1));
        // Killed with it twice, then a pass that records an outcome (Telegram answers 502): the count starts again.
        telegram.Respond(call => call.ChatId == chatId ? FakeReply.BadGateway : null);
        var id = 0L;
        for (var i = 1; i <= 2; i++)
        {
            var claimed = (await worker.ClaimAsync(10)).Messages.Should().ContainSingle().Subject;
            claimed.UnrecordedClaims.Should().Be(i);
            id = claimed.Id;
            fixture.Clock.Advance(TimeSpan.FromSeconds(61));
        }
        (await worker.DispatchAsync()).Retrying.Should().Be(1, "the third claim is sent and its failure recorded");
        (await worker.NotificationRowAsync(id)).Should().BeEquivalentTo(new { Attempts = 1, UnrecordedClaims = 0 },
            "only the attempt with an outcome counts, and the outcome ends the run of cut-off claims");

        // Then killed with it every time: 5 claims cut off, the 6th gives up without calling Telegram.
        for (var i = 1; i <= 5; i++)
        {
            fixture.Clock.Advance(TimeSpan.FromSeconds(i == 1 ? 60 : 61)); // the 60 s backoff, then the leases
            (await worker.ClaimAsync(10)).Messages.Should().ContainSingle().Which.UnrecordedClaims.Should().Be(i);
        }
        fixture.Clock.Advance(TimeSpan.FromSeconds(61));
        var calls = CallsTo(chatId).Count;
        (await worker.DispatchAsync()).Failed.Should().Be(1);

        var row = await worker.NotificationRowAsync(id);
        row.State.Should().Be(DeliveryStates.Failed);
        row.LastError.Should().StartWith("Gave up: claimed 6 times in a row without a recorded outcome").And.Contain("after 1 attempt(s) with one");
        row.Attempts.Should().Be(1, "the cut-off claims are not attempts");
        CallsTo(chatId).Should().HaveCount(calls, "a message in a crash loop is not sent again");
    }

    [Fact]
    public async Task A_claim_the_database_cut_off_before_its_send_is_handed_back_at_once_not_after_the_lease()
    {
        var (chatId, booking) = await BookAsync(TimeSpan.FromHours(1));
        var claim = await worker.ClaimAsync(10);
        claim.Messages.Should().ContainSingle();
        var id = claim.Messages[0].Id;

        // A PostgreSQL restart between the claim and the send: every connection of the application's pool is cut.
        await using (var admin = new Npgsql.NpgsqlConnection(worker.ConnectionString))
        {
            await admin.OpenAsync();
            await using var kill = new Npgsql.NpgsqlCommand(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'felixhub' AND datname = current_database() AND pid <> pg_backend_pid()", admin);
            ((long)(await kill.ExecuteScalarAsync())!).Should().BePositive();
        }
        var process = worker.ProcessAsync(claim);
        // The hand-back waits for the database on the host's clock (a fake one here): let it run.
        for (var i = 0; i < 400 && !process.IsCompleted; i++)
        {
            fixture.Clock.Advance(TimeSpan.FromMilliseconds(250));
            await Task.Delay(25);
        }
        await FluentActions.Awaiting(() => process).Should().ThrowAsync<Exception>("the pass itself failed");

        var row = await worker.NotificationRowAsync(id);
        row.State.Should().Be(DeliveryStates.Pending, "nothing of the batch reached Telegram, so the claim goes back instead of holding the reminder for the lease");
        row.ClaimToken.Should().BeNull();
        row.Attempts.Should().Be(0, "the attempt that never reached Telegram is given back");
        CallsTo(chatId).Should().BeEmpty();
        worker.Logs.Containing("handing it back as soon as the database answers (1 message(s)").Should().NotBeEmpty();

        (await worker.DispatchAsync()).Sent.Should().Be(1, "the next pass sends it, the lease's end not awaited");
        DeliveredTo(chatId).Should().ContainSingle().Which.Text.Should().Be(Text(Codes.Booking1H, booking));
    }

    [Fact]
    public async Task A_stalled_dispatcher_whose_claim_was_taken_over_sends_nothing_and_overwrites_nothing()
    {
        var (chatId, _) = await BookAsync(TimeSpan.FromHours(1));
        var stale = await worker.ClaimAsync(10);
        fixture.Clock.Advance(TimeSpan.FromSeconds(61));
        (await worker.DispatchAsync()).Sent.Should().Be(1, "another dispatcher reclaims the expired claim and sends");

        var late = await worker.ProcessAsync(stale); // the first dispatcher wakes up and carries on

        late.Sent.Should().Be(0);
        late.Skipped.Should().Be(1);
        DeliveredTo(chatId).Should().ContainSingle();
        var row = await worker.NotificationRowAsync(stale.Messages[0].Id);
        row.State.Should().Be(DeliveryStates.Sent);
        worker.Logs.Containing("is no longer this dispatcher's").Should().NotBeEmpty();
    }

    [Fact]
    public async Task A_reminder_cancelled_after_it_was_claimed_is_not_sent()
    {
        var (chatId, booking) = await BookAsync(TimeSpan.FromHours(1));
        var claim = await worker.ClaimAsync(10);

        await worker.CancelBookingAsync(booking.Id);
        var result = await worker.ProcessAsync(claim);

        result.Skipped.Should().Be(1);
        (await worker.ReminderAsync(booking.Id, Codes.Booking1H)).Status.Should().Be(States.Cancelled);
        (await worker.DispatchAsync()).Sent.Should().Be(1, "only the cancellation notice");
        DeliveredTo(chatId).Select(c => c.Text).Should().Equal(Text(Codes.BookingCancel, booking));
    }

    [Fact]
    public async Task A_user_without_telegram_id_or_who_blocked_the_bot_fails_with_a_reason_and_the_rest_of_the_batch_goes()
    {
        var (_, noChat) = await BookAsync(TimeSpan.FromHours(1), chatId: null);
        var (blockedChat, blocked) = await BookAsync(TimeSpan.FromHours(1));
        var (goneChat, gone) = await BookAsync(TimeSpan.FromHours(1));
        var (okChat1, ok1) = await BookAsync(TimeSpan.FromHours(1));
        var (okChat2, ok2) = await BookAsync(TimeSpan.FromHours(1));
        telegram.Respond(call => call.ChatId == blockedChat ? FakeReply.Blocked : call.ChatId == goneChat ? FakeReply.ChatNotFound : null);

        // The user's chat is looked up when the reminder is sent (they may still link one): until then it waits.
        (await worker.ReminderAsync(noChat.Id, Codes.Booking1H)).Status.Should().Be(States.Pending);
        var run = await worker.DispatchAsync();

        run.Should().BeEquivalentTo(new { Batches = 1, Claimed = 5, Sent = 2, Failed = 2, Skipped = 1 }, o => o.ExcludingMissingMembers());
        (await worker.ReminderAsync(noChat.Id, Codes.Booking1H)).Should().BeEquivalentTo(
            new { Status = States.Failed, Error = $"User {noChat.UserId} has no telegram_id", SentAt = (DateTimeOffset?)null });
        var blockedReminder = await worker.ReminderAsync(blocked.Id, Codes.Booking1H);
        blockedReminder.Status.Should().Be(States.Failed);
        blockedReminder.Error.Should().Contain("bot was blocked by the user").And.Contain("(403)");
        (await worker.ReminderAsync(gone.Id, Codes.Booking1H)).Error.Should().Contain("chat not found").And.Contain("(400)");
        (await worker.ReminderAsync(ok1.Id, Codes.Booking1H)).Status.Should().Be(States.Sent);
        (await worker.ReminderAsync(ok2.Id, Codes.Booking1H)).Status.Should().Be(States.Sent);
        DeliveredTo(okChat1).Should().ContainSingle();
        DeliveredTo(okChat2).Should().ContainSingle();
        CallsTo(blockedChat).Should().ContainSingle("a permanent refusal is not retried");

        fixture.Clock.Advance(TimeSpan.FromMinutes(30));
        await worker.DispatchAsync();
        CallsTo(blockedChat).Should().ContainSingle("a FAILED reminder is final");
        worker.Logs.Events.Should().Contain(e => e.Level == LogEventLevel.Warning && e.RenderMessage().Contains("has no telegram_id"));
    }

    [Fact]
    public async Task A_reminder_goes_to_the_chat_its_user_has_when_it_is_sent()
    {
        var (_, unlinked) = await BookAsync(TimeSpan.FromHours(1), chatId: null);
        var (oldChat, moved) = await BookAsync(TimeSpan.FromHours(1));
        var linkedLater = TestWorker.NewChatId();
        var newChat = TestWorker.NewChatId();
        // After booking: one user links their Telegram, the other moves to another chat.
        await worker.DbAsync(db => db.Database.ExecuteSqlAsync($"UPDATE booking_users SET telegram_id = {linkedLater} WHERE id = {unlinked.UserId}"));
        await worker.DbAsync(db => db.Database.ExecuteSqlAsync($"UPDATE booking_users SET telegram_id = {newChat} WHERE id = {moved.UserId}"));

        (await worker.DispatchAsync()).Sent.Should().Be(2);

        DeliveredTo(linkedLater).Select(c => c.Text).Should().Equal(Text(Codes.Booking1H, unlinked));
        DeliveredTo(newChat).Select(c => c.Text).Should().Equal(Text(Codes.Booking1H, moved));
        DeliveredTo(oldChat).Should().BeEmpty();
        (await worker.ReminderAsync(unlinked.Id, Codes.Booking1H)).Status.Should().Be(States.Sent);
        (await worker.NotificationRowAsync((await worker.ReminderAsync(moved.Id, Codes.Booking1H)).Id)).ChatId.Should().Be(newChat, "the ledger records who it went to");
    }

    [Fact]
    public async Task A_reminder_of_a_user_without_a_chat_waits_for_its_time_and_goes_to_the_chat_a_patch_gave_them()
    {
        var (_, never) = await BookAsync(TimeSpan.FromHours(3), chatId: null);
        var (_, later) = await BookAsync(TimeSpan.FromHours(3), chatId: null);

        (await worker.DispatchAsync()).Claimed.Should().Be(0, "nothing is due yet");
        (await worker.ReminderAsync(never.Id, Codes.Booking1H)).Status.Should().Be(States.Pending, "no chat yet is no failure before the reminder's time");

        var chat = TestWorker.NewChatId();
        using (var patch = new HttpRequestMessage(HttpMethod.Patch, $"/api/users/{later.UserId}")
               { Content = new StringContent($$"""{"telegramId":{{chat}}}""", System.Text.Encoding.UTF8, "application/json") })
            (await worker.Http.SendAsync(patch)).EnsureSuccessStatusCode();
        fixture.Clock.Advance(TimeSpan.FromHours(2));
        (await worker.ReminderAsync(never.Id, Codes.Booking1H)).Status.Should().Be(States.Pending);

        var run = await worker.DispatchAsync();

        run.Sent.Should().Be(1);
        (await worker.ReminderAsync(never.Id, Codes.Booking1H)).Should().BeEquivalentTo(
            new { Status = States.Failed, Error = $"User {never.UserId} has no telegram_id" }, "only at its time does it fail, with seed 001's reason");
        (await worker.ReminderAsync(later.Id, Codes.Booking1H)).Status.Should().Be(States.Sent);
        DeliveredTo(chat).Select(c => c.Text).Should().Equal(Text(Codes.Booking1H, later));
    }

    [Fact]
    public async Task A_transient_failure_is_retried_with_a_growing_backoff_and_fails_after_the_last_attempt()
    {
        var (chatId, booking) = await BookAsync(TimeSpan.FromHours(1));
        telegram.Respond(call => call.ChatId == chatId ? FakeReply.BadGateway : null);

        // Delivery:MaxAttempts 5, backoff 60 s doubling: attempts at +0, +60 s, +180 s, +420 s, +900 s.
        (await worker.DispatchAsync()).Retrying.Should().Be(1);
        foreach (var wait in new[] { 60, 120, 240, 480 })
        {
            fixture.Clock.Advance(TimeSpan.FromSeconds(wait - 1));
            (await worker.DispatchAsync()).Claimed.Should().Be(0, $"one second before the {wait} s backoff ends");
            fixture.Clock.Advance(TimeSpan.FromSeconds(1));
            (await worker.DispatchAsync()).Claimed.Should().Be(1);
        }

        var reminder = await worker.ReminderAsync(booking.Id, Codes.Booking1H);
        reminder.Status.Should().Be(States.Failed);
        reminder.Error.Should().StartWith("Gave up after 5 attempts:").And.Contain("(502)");
        (await worker.NotificationRowAsync(reminder.Id)).Attempts.Should().Be(5);
        fixture.Clock.Advance(TimeSpan.FromMinutes(30)); // still before the start reminder
        await worker.DispatchAsync();
        DeliveredTo(chatId).Should().BeEmpty();
        CallsTo(chatId).Should().HaveCount(5, "one call per dispatch attempt (in-call retries are off in this fixture)");
    }

    [Fact]
    public async Task A_429_is_retried_when_telegram_says_and_does_not_use_up_the_attempts()
    {
        var (chatId, booking) = await BookAsync(TimeSpan.FromHours(1));
        telegram.Respond(call => call.ChatId == chatId ? FakeReply.TooManyRequests(7) : null);

        // Ten 429s in a row, each tried again after Telegram's retry_after (7 s), not after the 60 s backoff.
        (await worker.DispatchAsync()).Retrying.Should().Be(1);
        for (var i = 0; i < 9; i++)
        {
            fixture.Clock.Advance(TimeSpan.FromSeconds(6));
            (await worker.DispatchAsync()).Claimed.Should().Be(0, "one second before Telegram's retry_after ends");
            fixture.Clock.Advance(TimeSpan.FromSeconds(1));
            (await worker.DispatchAsync()).Claimed.Should().Be(1);
        }
        var reminder = await worker.ReminderAsync(booking.Id, Codes.Booking1H);
        reminder.Status.Should().NotBe(States.Failed, "flood control is not the message's fault: ten 429s use up none of its 5 attempts");
        reminder.Error.Should().Contain("429");

        telegram.Respond(_ => null);
        fixture.Clock.Advance(TimeSpan.FromSeconds(7));
        (await worker.DispatchAsync()).Sent.Should().Be(1);
        DeliveredTo(chatId).Should().ContainSingle().Which.Text.Should().Be(Text(Codes.Booking1H, booking));
        CallsTo(chatId).Should().HaveCount(11);
    }

    [Fact]
    public async Task A_transient_failure_keeps_the_reminder_pending_with_the_reason_and_a_later_run_sends_it()
    {
        var (chatId, booking) = await BookAsync(TimeSpan.FromHours(1));
        telegram.Respond(call => call.ChatId == chatId ? FakeReply.ServerError : null);

        (await worker.DispatchAsync()).Retrying.Should().Be(1);
        var pending = await worker.ReminderAsync(booking.Id, Codes.Booking1H);
        pending.Status.Should().Be(States.Pending);
        pending.Error.Should().Contain("(500)");
        (await worker.NotificationRowAsync(pending.Id)).NextAttemptAt.Should().Be(fixture.Now.AddSeconds(60));

        telegram.Reset();
        fixture.Clock.Advance(TimeSpan.FromSeconds(60));
        (await worker.DispatchAsync()).Sent.Should().Be(1);

        var sent = await worker.ReminderAsync(booking.Id, Codes.Booking1H);
        sent.Should().BeEquivalentTo(new { Status = States.Sent, Error = (string?)null, SentAt = fixture.Now });
        DeliveredTo(chatId).Should().ContainSingle();
    }

    [Fact]
    public async Task A_reminder_that_became_pointless_during_an_outage_is_not_sent()
    {
        var (chatId, booking) = await BookAsync(TimeSpan.FromHours(1));

        fixture.Clock.SetUtcNow(booking.StartTime.AddMinutes(5)); // nothing ran for an hour
        var run = await worker.DispatchAsync();

        run.Should().BeEquivalentTo(new { Sent = 1, Failed = 0, Skipped = 1 }, o => o.ExcludingMissingMembers());
        (await worker.ReminderAsync(booking.Id, Codes.Booking1H)).Should().BeEquivalentTo(new { Status = States.Failed }, o => o.ExcludingMissingMembers());
        worker.Logs.Containing("DEAD_LETTER").Where(e => e.RenderMessage().Contains(chatId, StringComparison.Ordinal))
            .Should().BeEmpty("a reminder not sent on purpose is no delivery failure");
        (await worker.ReminderAsync(booking.Id, Codes.Booking1H)).Error.Should().StartWith("Not sent: too late");
        DeliveredTo(chatId).Select(c => c.Text).Should().Equal(Text(Codes.BookingStart, booking));
    }

    [Fact]
    public async Task A_run_that_finds_another_run_going_in_this_process_skips()
    {
        var (chatId, _) = await BookAsync(TimeSpan.FromHours(1));
        var gate = worker.Services.GetRequiredService<DeliveryDispatchGate>();
        gate.TryEnter().Should().BeTrue();
        try
        {
            (await worker.DispatchAsync()).Claimed.Should().Be(0);
            worker.Logs.Containing("still going in this process").Should().NotBeEmpty();
        }
        finally
        {
            gate.Exit();
        }

        (await worker.DispatchAsync()).Sent.Should().Be(1);
        DeliveredTo(chatId).Should().ContainSingle();
    }
}
