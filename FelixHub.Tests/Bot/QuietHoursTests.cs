using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using FelixHub.Core.Bot;
using FelixHub.Core.Delivery;
using FelixHub.Core.Orders;
using FelixHub.Core.Recipients;
using FelixHub.Tests.Bookings;
using FelixHub.Tests.Infrastructure;
using FelixHub.Tests.Orders;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace FelixHub.Tests.Bot;

/// <summary>
/// A polling worker whose clock is a <see cref="FakeTimeProvider"/> the tests move (Moscow time); its
/// Hangfire server sends own-job messages, the dispatch cron never fires: the tests run the dispatcher.
/// </summary>
public sealed class QuietHoursFixture : WorkerFixture
{
    public static readonly TimeSpan Msk = TimeSpan.FromHours(3);

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 3, 2, 12, 0, 0, TimeSpan.Zero));

    public static Dictionary<string, string?> Settings(IDictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Delivery:DispatchCron"] = BookingFixture.NeverCron,
            // Polly takes the host's TimeProvider: with a fake clock its retry delays would never end.
            ["Telegram:MaxRetryAttempts"] = "0",
            ["Notifications:MechanicAssignmentEnabled"] = "true",
        };
        foreach (var (key, value) in more ?? new Dictionary<string, string?>()) settings[key] = value;
        return settings;
    }

    protected override IDictionary<string, string?> Overrides => BotTestSupport.Polling(Settings());

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<TimeProvider>(Clock);

    /// <summary>Moves <paramref name="clock"/> forward to the next <paramref name="hour"/>:<paramref name="minute"/> Moscow time.</summary>
    public static DateTimeOffset MoveToMsk(FakeTimeProvider clock, int hour, int minute)
    {
        var now = clock.GetUtcNow();
        var local = now.ToOffset(Msk);
        var target = new DateTimeOffset(local.Date + new TimeSpan(hour, minute, 0), Msk);
        if (target <= now) target = target.AddDays(1);
        clock.SetUtcNow(target.ToUniversalTime());
        return target.ToUniversalTime();
    }
}

/// <summary>
/// Issue 23 §1: a recipient's quiet hours, set through the API or the bot's <c>/quiet</c>, decided at send
/// time on both delivery paths: held until the window ends (surviving a restart, released once by several
/// replicas) or sent at once without sound; a booking's start and cancellation never wait.
/// </summary>
public sealed class QuietHoursTests(QuietHoursFixture fixture) : IClassFixture<QuietHoursFixture>
{
    private readonly TestWorker worker = fixture.Worker;
    private readonly FakeTelegramServer telegram = fixture.Telegram;
    private FakeTimeProvider Clock => fixture.Clock;

    private static async Task<RecipientPreferencesResponse> PatchAsync(TestWorker host, string chatId, object body)
    {
        var response = await host.Http.PatchAsJsonAsync($"/api/recipients/{chatId}/preferences", body);
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<RecipientPreferencesResponse>())!;
    }

    private static bool Silent(TelegramCall call) => call.Body["disable_notification"]?.GetValue<bool>() ?? false;

    private Task<List<DeliveryMessage>> LedgerAsync(int orderId) =>
        worker.DbAsync(db => db.Set<DeliveryMessage>().AsNoTracking().Where(m => m.OrderId == orderId).OrderBy(m => m.Id).ToListAsync());

    private static Task<DispatchSummary> RunDispatcherAsync(TestWorker host) =>
        host.InScopeAsync(sp => sp.GetRequiredService<DeliveryDispatcher>().RunAsync(CancellationToken.None));

    /// <summary>Dispatch-path messages written as a feature would (due now by <paramref name="clock"/>).</summary>
    private static async Task<List<string>> InsertDueAsync(string connectionString, TimeProvider clock, IEnumerable<(string ChatId, string Text)> messages)
    {
        var keys = new List<string>();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        foreach (var (chatId, text) in messages)
        {
            var key = Guid.NewGuid().ToString("N");
            keys.Add(key);
            await using var command = new NpgsqlCommand("""
                INSERT INTO delivery_messages (kind, dedup_key, chat_id, text, state, due_at, next_attempt_at, created_at)
                VALUES ('mechanic_status_change', $1, $2, $3, 'pending', $4, $4, $4)
                """, connection);
            command.Parameters.Add(new NpgsqlParameter { Value = key });
            command.Parameters.Add(new NpgsqlParameter { Value = chatId });
            command.Parameters.Add(new NpgsqlParameter { Value = text });
            command.Parameters.Add(new NpgsqlParameter { Value = clock.GetUtcNow() });
            await command.ExecuteNonQueryAsync();
        }
        return keys;
    }

    [Fact]
    public async Task Across_midnight_order_messages_are_held_then_released_at_07_00_local_in_order_without_an_attempt_spent()
    {
        var chat = TestWorker.NewChatId();
        var mechanic = await worker.CreateMechanicAsync(chat);
        (await PatchAsync(worker, chat, new { quietFrom = "23:00", quietTo = "07:00" }))
            .Should().BeEquivalentTo(new { QuietFrom = "23:00", QuietTo = "07:00", TimeZone = "Europe/Moscow", QuietMode = "hold" });

        var evening = QuietHoursFixture.MoveToMsk(Clock, 23, 30);
        var windowEnd = new DateTimeOffset(evening.ToOffset(QuietHoursFixture.Msk).Date.AddDays(1).AddHours(7), QuietHoursFixture.Msk);
        var order = await worker.CreateOrderAsync(mechanic.Id);
        await Eventually.Until(async () => (await LedgerAsync(order.Id)).Any(m => m.NextAttemptAt is not null), "the assignment held by its job");
        await worker.ChangeStatusAsync(order.Id, OrderStatus.InProgress);
        await Eventually.Until(async () => (await LedgerAsync(order.Id)).Count(m => m.NextAttemptAt is not null) == 2, "the status change held too");

        var held = await LedgerAsync(order.Id);
        held.Select(m => m.Kind).Should().Equal("mechanic_assignment", "mechanic_status_change");
        held.Should().AllSatisfy(m =>
        {
            m.State.Should().Be(DeliveryStates.Pending);
            m.NextAttemptAt.Should().Be(windowEnd, "07:00 Moscow the next morning");
            m.Attempts.Should().Be(0, "holding is not an attempt");
            m.JobId.Should().BeNull("the message was handed to the dispatch path");
        });
        (await worker.NotificationLogsAsync(order.Id)).Should().BeEmpty("nothing was tried, nothing failed");

        await worker.DispatchAsync();
        QuietHoursFixture.MoveToMsk(Clock, 6, 59);
        await worker.DispatchAsync();
        telegram.MessagesTo(chat).Should().BeEmpty("the window lasts until 07:00");

        QuietHoursFixture.MoveToMsk(Clock, 7, 0);
        // One message per chat and batch, and the chat's pacing is on the database's clock: keep dispatching
        // (this replica's due-time waker runs passes too) until the second one's turn has come.
        await Eventually.Until(async () =>
        {
            if (telegram.MessagesTo(chat).Count >= 2) return true;
            await worker.DispatchAsync();
            Clock.Advance(TimeSpan.FromSeconds(1));
            return telegram.MessagesTo(chat).Count >= 2;
        }, "both held messages sent after 07:00");
        var sent = telegram.MessagesTo(chat);
        sent.Select(m => m.Text![..2]).Should().Equal("🔧", "🆕");
        sent.Should().NotContain(m => Silent(m), "after the window, with sound");
        (await LedgerAsync(order.Id)).Should().AllSatisfy(m => m.Should().BeEquivalentTo(new { State = DeliveryStates.Sent, Attempts = 1 }));
        (await worker.NotificationLogsAsync(order.Id)).Should().HaveCount(2).And.OnlyContain(l => l.Success);
    }

    [Fact]
    public async Task Silent_mode_sends_at_once_without_sound_inside_the_window_and_with_sound_outside()
    {
        var chat = TestWorker.NewChatId();
        var mechanic = await worker.CreateMechanicAsync(chat);
        await PatchAsync(worker, chat, new { quietFrom = "22:00", quietTo = "08:00", quietMode = "silent" });

        QuietHoursFixture.MoveToMsk(Clock, 23, 0);
        var order = await worker.CreateOrderAsync(mechanic.Id);
        var night = await telegram.ReplyAsync(chat);
        night.Text.Should().StartWith("🔧 Вам назначен заказ");
        Silent(night).Should().BeTrue("sent in silent mode inside the window");

        QuietHoursFixture.MoveToMsk(Clock, 9, 0);
        await worker.ChangeStatusAsync(order.Id, OrderStatus.InProgress);
        Silent(await telegram.ReplyAsync(chat, 2)).Should().BeFalse();
    }

    /// <summary>
    /// The reminder's status once its send is recorded. The worker's own due-time waker may be the one sending
    /// it (the test's dispatch run then finds that pass going and skips), and the fake counts the message a
    /// moment before the outcome is written.
    /// </summary>
    private Task SentAsync(int bookingId, string type) =>
        Eventually.Until(async () => (await worker.ReminderAsync(bookingId, type)).Status == "SENT", $"{type} recorded as sent", TimeSpan.FromSeconds(10));

    [Fact]
    public async Task A_booking_start_reminder_and_a_cancellation_pass_silently_in_hold_mode_and_an_expiring_reminder_is_not_held_past_its_use()
    {
        var chat = TestWorker.NewChatId();
        var user = await worker.CreateUserAsync(chat);
        await PatchAsync(worker, chat, new { quietFrom = "23:00", quietTo = "07:00", quietMode = "hold" });

        var now = QuietHoursFixture.MoveToMsk(Clock, 0, 30);
        var booking = await worker.CreateBookingAsync(user.Id, now.AddMinutes(30), now.AddMinutes(90));
        Clock.SetUtcNow(now.AddMinutes(30));
        await worker.DispatchAsync();
        var start = await telegram.ReplyAsync(chat);
        Silent(start).Should().BeTrue("a booking starting now never waits, but comes without sound");
        await SentAsync(booking.Id, "BOOKING_START");

        // The end message (02:00) would be held until 07:00, but it is only worth sending until 03:00: it goes now, silently.
        Clock.SetUtcNow(now.AddMinutes(90));
        await worker.DispatchAsync();
        Silent(await telegram.ReplyAsync(chat, 2)).Should().BeTrue();
        await SentAsync(booking.Id, "BOOKING_END");

        var later = await worker.CreateBookingAsync(user.Id, now.AddHours(4), now.AddHours(5));
        await worker.CancelBookingAsync(later.Id);
        await worker.DispatchAsync();
        var cancelled = await telegram.ReplyAsync(chat, 3);
        Silent(cancelled).Should().BeTrue("a cancellation never waits");
        await SentAsync(later.Id, "BOOKING_CANCEL");
    }

    [Fact]
    public async Task Changing_the_window_decides_the_held_messages_again_at_once()
    {
        var chat = TestWorker.NewChatId();
        await PatchAsync(worker, chat, new { quietFrom = "23:00", quietTo = "07:00", quietMode = "hold" });
        QuietHoursFixture.MoveToMsk(Clock, 23, 30);
        await InsertDueAsync(worker.ConnectionString, Clock, [(chat, "ночью")]);
        await RunDispatcherAsync(worker);
        telegram.MessagesTo(chat).Should().BeEmpty();

        await PatchAsync(worker, chat, new { quietMode = "silent" });
        await RunDispatcherAsync(worker);
        var first = await telegram.ReplyAsync(chat);
        first.Text.Should().Be("ночью");
        Silent(first).Should().BeTrue("switched to silent: the held message goes now, without sound");

        await PatchAsync(worker, chat, new { quietMode = "hold" });
        Clock.Advance(TimeSpan.FromMinutes(1));
        await InsertDueAsync(worker.ConnectionString, Clock, [(chat, "ещё ночью")]);
        await RunDispatcherAsync(worker);
        telegram.MessagesTo(chat).Should().HaveCount(1);

        await PatchAsync(worker, chat, new { quietFrom = "", quietTo = "" });
        await RunDispatcherAsync(worker);
        var second = await telegram.ReplyAsync(chat, 2);
        second.Text.Should().Be("ещё ночью");
        Silent(second).Should().BeFalse("quiet hours are off");
    }

    [Fact]
    public async Task Held_messages_survive_a_restart_inside_the_window_and_go_out_once_after_it()
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        var settings = QuietHoursFixture.Settings(new Dictionary<string, string?> { ["Hangfire:ServerEnabled"] = "false" });
        var clockA = new FakeTimeProvider(new DateTimeOffset(2026, 3, 2, 21, 0, 0, TimeSpan.Zero)); // 00:00 Moscow
        var chat = TestWorker.NewChatId();
        List<string> keys;
        await using (var first = await TestWorker.StartAsync(database, telegram, settings, s => s.AddSingleton<TimeProvider>(clockA)))
        {
            await PatchAsync(first, chat, new { quietFrom = "23:00", quietTo = "07:00" });
            keys = await InsertDueAsync(database, clockA, [(chat, "первое"), (chat, "второе")]);
            await RunDispatcherAsync(first);
            telegram.MessagesTo(chat).Should().BeEmpty();
        }

        var clockB = new FakeTimeProvider(clockA.GetUtcNow().AddHours(1));
        await using var second = await TestWorker.StartAsync(database, telegram, settings, s => s.AddSingleton<TimeProvider>(clockB));
        await RunDispatcherAsync(second);
        telegram.MessagesTo(chat).Should().BeEmpty("01:00 is still inside the window");

        QuietHoursFixture.MoveToMsk(clockB, 7, 0);
        for (var i = 0; i < 10; i++)
        {
            await RunDispatcherAsync(second);
            clockB.Advance(TimeSpan.FromSeconds(1));
        }
        telegram.MessagesTo(chat).Select(m => m.Text).Should().Equal("первое", "второе");
        var rows = await second.DbAsync(db => db.Set<DeliveryMessage>().AsNoTracking().Where(m => keys.Contains(m.DedupKey)).ToListAsync());
        rows.Should().HaveCount(2).And.AllSatisfy(m => m.Should().BeEquivalentTo(new { State = DeliveryStates.Sent, Attempts = 1 }));
    }

    [Fact]
    public async Task Three_replicas_release_held_messages_once_each_in_each_chats_order()
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        var settings = QuietHoursFixture.Settings(new Dictionary<string, string?> { ["Hangfire:ServerEnabled"] = "false", ["Delivery:BatchSize"] = "7" });
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 2, 21, 0, 0, TimeSpan.Zero));
        var hosts = new List<TestWorker>();
        try
        {
            for (var i = 0; i < 3; i++) hosts.Add(await TestWorker.StartAsync(database, telegram, settings, s => s.AddSingleton<TimeProvider>(clock)));
            var chats = Enumerable.Range(0, 10).Select(_ => TestWorker.NewChatId()).ToList();
            foreach (var chat in chats) await PatchAsync(hosts[0], chat, new { quietFrom = "22:00", quietTo = "06:30" });
            var keys = await InsertDueAsync(database, clock, chats.SelectMany(c => Enumerable.Range(1, 3).Select(n => (c, $"{c} #{n}"))).ToList());
            await Task.WhenAll(hosts.Select(RunDispatcherAsync));
            chats.Should().AllSatisfy(c => telegram.MessagesTo(c).Should().BeEmpty());

            QuietHoursFixture.MoveToMsk(clock, 6, 30);
            for (var round = 0; round < 15 && chats.Sum(c => telegram.MessagesTo(c).Count) < 30; round++)
            {
                await Task.WhenAll(hosts.Select(RunDispatcherAsync));
                clock.Advance(TimeSpan.FromSeconds(1));
            }
            await Task.WhenAll(hosts.Select(RunDispatcherAsync));

            foreach (var chat in chats)
                telegram.MessagesTo(chat).Select(m => m.Text).Should().Equal($"{chat} #1", $"{chat} #2", $"{chat} #3");
            var rows = await hosts[0].DbAsync(db => db.Set<DeliveryMessage>().AsNoTracking().Where(m => keys.Contains(m.DedupKey)).ToListAsync());
            rows.Should().HaveCount(30).And.AllSatisfy(m => m.Should().BeEquivalentTo(new { State = DeliveryStates.Sent, Attempts = 1 }));
        }
        finally
        {
            foreach (var host in hosts) await host.DisposeAsync();
        }
    }

    [Fact]
    public async Task Bad_quiet_hours_are_a_400_naming_the_field_and_change_nothing()
    {
        var chat = TestWorker.NewChatId();
        await PatchAsync(worker, chat, new { quietFrom = "23:00", quietTo = "07:00" });
        foreach (var (body, field) in new[]
        {
            ("""{"quietFrom":"25:00","quietTo":"07:00"}""", "quietFrom"),
            ("""{"quietFrom":"7:00","quietTo":"08:00"}""", "quietFrom"),
            ("""{"quietFrom":"22:00","quietTo":"22:00"}""", "quietTo"),
            ("""{"quietFrom":"22:00"}""", "quietTo"),
            ("""{"quietTo":""}""", "quietFrom"),
            ("""{"timeZone":"Mars/Olympus"}""", "timeZone"),
            ("""{"timeZone":"Russian Standard Time"}""", "timeZone"),
            ("""{"quietMode":"loud"}""", "quietMode"),
            ("""{"quietMode":5}""", "quietMode"),
        })
        {
            var response = await worker.Http.PatchAsync($"/api/recipients/{chat}/preferences",
                new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
            response.StatusCode.Should().Be(HttpStatusCode.BadRequest, body);
            var problem = await response.Content.ReadFromJsonAsync<JsonObject>();
            problem!["errors"]!.AsObject().Select(e => e.Key).Should().Contain(k => k.Contains(field, StringComparison.OrdinalIgnoreCase), body);
        }
        (await worker.Http.GetFromJsonAsync<RecipientPreferencesResponse>($"/api/recipients/{chat}/preferences"))
            .Should().BeEquivalentTo(new { QuietFrom = "23:00", QuietTo = "07:00", TimeZone = "Europe/Moscow", QuietMode = "hold" });

        (await PatchAsync(worker, chat, new { quietFrom = "", quietTo = "", timeZone = "Asia/Yekaterinburg" }))
            .Should().BeEquivalentTo(new { QuietFrom = (string?)null, QuietTo = (string?)null, TimeZone = "Asia/Yekaterinburg" });
    }

    private static List<(string Text, string Data)> Buttons(JsonNode? markup) =>
        markup?["inline_keyboard"]?.AsArray().SelectMany(row => row!.AsArray())
            .Select(b => (b!["text"]!.GetValue<string>(), b["callback_data"]!.GetValue<string>())).ToList() ?? [];

    private async Task<string> PressAsync(string chat, string data, int messageId, string? fromId = null)
    {
        var press = FakeTelegramServer.CallbackQueryUpdate(chat, data, messageId, fromId);
        await worker.UntilHandledAsync(telegram.PushUpdate(press));
        return telegram.CallsOf("answerCallbackQuery").Single(c => c.Body["callback_query_id"]!.ToString() == press["callback_query"]!["id"]!.ToString())
            .Body["text"]!.GetValue<string>();
    }

    [Fact]
    public async Task Anyone_sets_quiet_hours_in_the_bot_with_quiet_and_the_api_shows_them()
    {
        var chat = TestWorker.NewChatId();
        telegram.PushMessage(chat, "/quiet");
        var menu = await telegram.ReplyAsync(chat);
        menu.Text.Should().Be(BotMessages.QuietTitle(null, null, "Europe/Moscow", "hold"));
        Buttons(menu.Body["reply_markup"]).Should().Equal(
            ("22:00–08:00", "qh:w:2200-0800"), ("23:00–07:00", "qh:w:2300-0700"),
            ("00:00–08:00", "qh:w:0000-0800"), ("✅ Выключить", "qh:w:off"),
            ("✅ ⏳ Ждать до утра", "qh:m:hold"), ("🔕 Без звука", "qh:m:silent"));

        (await PressAsync(chat, "qh:w:2300-0700", 41)).Should().Be("Тихие часы: 23:00–07:00.");
        var edit = telegram.CallsOf("editMessageText").Where(c => c.ChatId == chat).Should().ContainSingle().Subject;
        edit.Body["message_id"]!.GetValue<int>().Should().Be(41);
        edit.Text.Should().Be(BotMessages.QuietTitle("23:00", "07:00", "Europe/Moscow", "hold"));
        Buttons(edit.Body["reply_markup"]).Should().Contain(("✅ 23:00–07:00", "qh:w:2300-0700")).And.Contain(("Выключить", "qh:w:off"));

        (await PressAsync(chat, "qh:m:silent", 41)).Should().Be("В тихие часы — без звука.");
        (await worker.Http.GetFromJsonAsync<RecipientPreferencesResponse>($"/api/recipients/{chat}/preferences"))
            .Should().BeEquivalentTo(new { QuietFrom = "23:00", QuietTo = "07:00", QuietMode = "silent" });

        // A window the bot never offered, someone else pressing in this chat: refused, nothing changed.
        (await PressAsync(chat, "qh:w:1200-1300", 41)).Should().Be(BotMessages.QuietUnknownButton);
        (await PressAsync(chat, "qh:w:off", 41, fromId: TestWorker.NewChatId())).Should().Be(BotMessages.QuietUnknownButton);
        (await worker.Http.GetFromJsonAsync<RecipientPreferencesResponse>($"/api/recipients/{chat}/preferences"))!.QuietFrom.Should().Be("23:00");

        (await PressAsync(chat, "qh:w:off", 41)).Should().Be("Тихие часы выключены.");
        (await worker.Http.GetFromJsonAsync<RecipientPreferencesResponse>($"/api/recipients/{chat}/preferences"))!.QuietFrom.Should().BeNull();

        telegram.PushMessage(chat, "/help");
        (await telegram.ReplyAsync(chat, 2)).Text.Should().Contain("/quiet");
    }
}
