using System.Net.Http.Json;
using FelixHub.Core.Delivery;
using FelixHub.Core.Orders;
using FelixHub.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Serilog.Events;

namespace FelixHub.Tests.Orders;

/// <summary>Seed 000 end to end: PATCH → Hangfire job → real Telegram.Bot client → fake Bot API.</summary>
public sealed class MechanicStatusNotificationTests(WorkerFixture fixture) : IClassFixture<WorkerFixture>
{
    private readonly TestWorker worker = fixture.Worker;
    private readonly FakeTelegramServer telegram = fixture.Telegram;

    private IReadOnlyList<TelegramCall> CallsTo(string chatId) => telegram.Calls.Where(c => c.ChatId == chatId).ToList();
    private IReadOnlyList<TelegramCall> DeliveredTo(string chatId) => telegram.Delivered.Where(c => c.ChatId == chatId).ToList();

    [Fact]
    public async Task Status_change_sends_one_message_to_the_assigned_mechanic_word_for_word()
    {
        telegram.Reset();
        var chatId = TestWorker.NewChatId();
        var mechanic = await worker.CreateMechanicAsync(chatId);
        var order = await worker.CreateOrderAsync(mechanic.Id);

        await worker.ChangeStatusAsync(order.Id, OrderStatus.InProgress);

        await Eventually.Until(() => DeliveredTo(chatId).Count == 1, "the mechanic's message");
        var message = DeliveredTo(chatId).Single();
        message.Method.Should().Be("sendMessage");
        message.ParseMode.Should().BeEquivalentTo("HTML", "Telegram reads parse_mode case-insensitively");
        message.Text.Should().Be(
            $"""
            🆕 Статус заказа изменён

            📋 Заказ #{order.Id}
            🚗 Номер авто: AB1234CD
            📂 Категория: Двигатель

            Было: новый
            Стало: в работе

            Запчасти:
              • Масляный фильтр
              • Воздушный фильтр
              • Свечи зажигания

            🔗 <a href="https://felix.example/mechanic/orders/{order.Id}">Открыть заказ</a>
            """);

        await Eventually.Until(async () => (await worker.NotificationLogsAsync(order.Id)).Count == 1, "the notification log row");
        var log = (await worker.NotificationLogsAsync(order.Id)).Single();
        log.Should().BeEquivalentTo(new { NotificationType = "mechanic_status_change", OrderId = order.Id, MechanicId = mechanic.Id, TelegramId = chatId, Success = true, ErrorMessage = (string?)null });
        log.MessageHash.Should().MatchRegex("^[0-9a-f]{64}$");

        await Task.Delay(500);
        CallsTo(chatId).Should().HaveCount(1, "one status change makes exactly one sendMessage");
        (await worker.JobsOfTypeAsync("DeliveryJob")).Should().BeGreaterThanOrEqualTo(1, "the job counter the flag-off test relies on sees jobs");
    }

    [Fact]
    public async Task User_values_reach_Telegram_escaped_as_text()
    {
        telegram.Reset();
        var chatId = TestWorker.NewChatId();
        var mechanic = await worker.CreateMechanicAsync(chatId);
        var order = await worker.CreateOrderAsync(mechanic.Id, parts: ["<b>", "_*[", "Tom & \"Jerry\""], carNumber: "<i>X</i>");

        await worker.ChangeStatusAsync(order.Id, OrderStatus.Ready);

        await Eventually.Until(() => DeliveredTo(chatId).Count == 1, "the escaped message");
        var text = DeliveredTo(chatId).Single().Text!;
        text.Should().Contain("  • &lt;b&gt;\n").And.Contain("  • _*[\n").And.Contain("Tom &amp; &quot;Jerry&quot;")
            .And.Contain("Номер авто: &lt;i&gt;X&lt;/i&gt;");
        text.Should().NotContain("<b>").And.NotContain("<i>");
    }

    [Fact]
    public async Task A_long_parts_list_is_cut_to_Telegrams_limit_and_says_how_many_are_left_out()
    {
        telegram.Reset();
        var chatId = TestWorker.NewChatId();
        var mechanic = await worker.CreateMechanicAsync(chatId);
        var parts = Enumerable.Range(1, 100).Select(i => $"Деталь номер {i} " + new string('x', 150)).ToArray();
        var order = await worker.CreateOrderAsync(mechanic.Id, parts: parts);

        await worker.ChangeStatusAsync(order.Id, OrderStatus.InProgress);

        await Eventually.Until(() => DeliveredTo(chatId).Count == 1, "the long message");
        var text = DeliveredTo(chatId).Single().Text!;
        text.Length.Should().BeLessThanOrEqualTo(4096);
        text.Should().MatchRegex("… и ещё [0-9]+\n").And.EndWith("Открыть заказ</a>");
    }

    [Fact]
    public async Task A_repeated_patch_to_the_same_status_sends_one_message()
    {
        telegram.Reset();
        var chatId = TestWorker.NewChatId();
        var mechanic = await worker.CreateMechanicAsync(chatId);
        var order = await worker.CreateOrderAsync(mechanic.Id);

        await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => worker.ChangeStatusAsync(order.Id, OrderStatus.InProgress)));
        await worker.ChangeStatusAsync(order.Id, OrderStatus.InProgress);

        await Eventually.Until(() => DeliveredTo(chatId).Count >= 1, "the message");
        await Task.Delay(1000);
        DeliveredTo(chatId).Should().HaveCount(1);
    }

    [Fact]
    public async Task A_job_executed_twice_even_at_once_sends_once()
    {
        telegram.Reset();
        var chatId = TestWorker.NewChatId();
        var mechanic = await worker.CreateMechanicAsync(chatId);
        var order = await worker.CreateOrderAsync(mechanic.Id);
        await worker.ChangeStatusAsync(order.Id, OrderStatus.InProgress);
        await Eventually.Until(() => DeliveredTo(chatId).Count == 1, "the first delivery");
        var messageId = await worker.DbAsync(db => Task.FromResult(db.Set<DeliveryMessage>().Single(m => m.OrderId == order.Id).Id));

        // Hangfire is at-least-once: run the same job again, twice in parallel, as a redelivery would.
        await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => worker.InScopeAsync(async sp =>
        {
            await sp.GetRequiredService<DeliveryJob>().ExecuteAsync(messageId, "mechanic_status_change", CancellationToken.None);
            return 0;
        })));

        DeliveredTo(chatId).Should().HaveCount(1);
        worker.Logs.Containing("not sending again").Should().HaveCountGreaterThanOrEqualTo(2);
    }

    [Fact]
    public async Task Going_back_and_forth_between_statuses_notifies_each_change()
    {
        telegram.Reset();
        var chatId = TestWorker.NewChatId();
        var mechanic = await worker.CreateMechanicAsync(chatId);
        var order = await worker.CreateOrderAsync(mechanic.Id);

        await worker.ChangeStatusAsync(order.Id, OrderStatus.InProgress);
        await Eventually.Until(() => DeliveredTo(chatId).Count == 1, "first change");
        await worker.ChangeStatusAsync(order.Id, OrderStatus.New);
        await Eventually.Until(() => DeliveredTo(chatId).Count == 2, "second change");
        await worker.ChangeStatusAsync(order.Id, OrderStatus.InProgress);
        await Eventually.Until(() => DeliveredTo(chatId).Count == 3, "third change, same as the first");
    }

    [Fact]
    public async Task No_assigned_mechanic_skips_with_a_warning_and_no_log_row()
    {
        telegram.Reset();
        var order = await worker.CreateOrderAsync(mechanicId: null);

        var updated = await worker.ChangeStatusAsync(order.Id, OrderStatus.InProgress);

        updated.Status.Should().Be(OrderStatus.InProgress);
        await Eventually.Until(() => worker.Logs.Events.Any(e => e.Level == LogEventLevel.Warning
            && e.RenderMessage().Contains($"Order {order.Id} has no assigned mechanic")), "the warning");
        (await worker.NotificationLogsAsync(order.Id)).Should().BeEmpty();
    }

    [Fact]
    public async Task A_mechanic_without_telegram_id_is_logged_as_a_failure_and_the_status_update_succeeds()
    {
        telegram.Reset();
        var mechanic = await worker.CreateMechanicAsync(telegramId: null);
        var order = await worker.CreateOrderAsync(mechanic.Id);

        var updated = await worker.ChangeStatusAsync(order.Id, OrderStatus.InProgress);

        updated.Status.Should().Be(OrderStatus.InProgress);
        await Eventually.Until(async () => (await worker.NotificationLogsAsync(order.Id)).Count == 1, "the failure row");
        var log = (await worker.NotificationLogsAsync(order.Id)).Single();
        log.Success.Should().BeFalse();
        log.ErrorMessage.Should().Be("Mechanic has no telegram_id");
        worker.Logs.Events.Should().Contain(e => e.Level == LogEventLevel.Warning
            && e.RenderMessage().Contains("skipped: \"Mechanic has no telegram_id\"") && e.Property("orderId") == order.Id.ToString());
        var message = await worker.DbAsync(db => Task.FromResult(db.Set<DeliveryMessage>().Single(m => m.OrderId == order.Id)));
        message.State.Should().Be("skipped");
        message.MechanicId.Should().Be(mechanic.Id);
    }

    [Theory]
    [InlineData(403, "Forbidden: bot was blocked by the user")]
    [InlineData(400, "Bad Request: chat not found")]
    public async Task A_blocked_user_or_unknown_chat_fails_permanently_without_retry(int code, string description)
    {
        var chatId = TestWorker.NewChatId();
        telegram.Respond(call => call.ChatId == chatId ? new FakeReply(code, description) : null);
        var mechanic = await worker.CreateMechanicAsync(chatId);
        var order = await worker.CreateOrderAsync(mechanic.Id);

        await worker.ChangeStatusAsync(order.Id, OrderStatus.InProgress);

        await Eventually.Until(async () => (await worker.NotificationLogsAsync(order.Id)).Count == 1, "the failure row");
        await Task.Delay(1500); // longer than a Hangfire retry here: there must be none
        CallsTo(chatId).Should().HaveCount(1, "a permanent error is not retried");
        var log = (await worker.NotificationLogsAsync(order.Id)).Single();
        log.Success.Should().BeFalse();
        log.ErrorMessage.Should().StartWith("Failed to send").And.Contain(description).And.Contain($"({code})");
        worker.Logs.Containing("DEAD_LETTER").Should().ContainSingle(e => e.Property("chatId") == chatId)
            .Which.Level.Should().Be(LogEventLevel.Fatal);
        var message = await worker.DbAsync(db => Task.FromResult(db.Set<DeliveryMessage>().Single(m => m.OrderId == order.Id)));
        message.State.Should().Be("failed");
        message.LastError.Should().Contain(description);
        worker.HangfireStatistics().Failed.Should().Be(0, "a message refused for good ends its job; it is not retried");
    }

    [Fact]
    public async Task A_server_error_is_retried_with_backoff_and_then_delivered_once()
    {
        var chatId = TestWorker.NewChatId();
        var failures = 2;
        telegram.Respond(call => call.ChatId == chatId && Interlocked.Decrement(ref failures) >= 0 ? FakeReply.BadGateway : null);
        var mechanic = await worker.CreateMechanicAsync(chatId);
        var order = await worker.CreateOrderAsync(mechanic.Id);

        await worker.ChangeStatusAsync(order.Id, OrderStatus.InProgress);

        await Eventually.Until(() => DeliveredTo(chatId).Count == 1, "delivery after two 502s");
        CallsTo(chatId).Should().HaveCount(3);
        await Eventually.Until(async () => (await worker.NotificationLogsAsync(order.Id)).Count == 1, "the log row");
        (await worker.NotificationLogsAsync(order.Id)).Should().ContainSingle().Which.Success.Should().BeTrue();
    }

    [Fact]
    public async Task Too_many_requests_waits_retry_after_then_delivers()
    {
        var chatId = TestWorker.NewChatId();
        var failures = 1;
        telegram.Respond(call => call.ChatId == chatId && Interlocked.Decrement(ref failures) >= 0 ? FakeReply.TooManyRequests(1) : null);
        var mechanic = await worker.CreateMechanicAsync(chatId);
        var order = await worker.CreateOrderAsync(mechanic.Id);

        await worker.ChangeStatusAsync(order.Id, OrderStatus.InProgress);

        await Eventually.Until(() => DeliveredTo(chatId).Count == 1, "delivery after the 429");
        var calls = CallsTo(chatId);
        calls.Should().HaveCount(2, "Telegram.Bot's own retry is off: one 429 and one retry by our pipeline");
        (calls[1].At - calls[0].At).Should().BeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(950), "retry_after is 1 s");
        await Eventually.Until(async () => (await worker.NotificationLogsAsync(order.Id)).Count == 1, "the log row");
        (await worker.NotificationLogsAsync(order.Id)).Should().ContainSingle().Which.Success.Should().BeTrue();
    }

    [Fact]
    public async Task Flood_control_that_outlasts_the_in_call_waits_hands_the_message_to_the_dispatcher_without_a_retry_or_an_attempt_spent()
    {
        var chatId = TestWorker.NewChatId();
        var failures = 4; // the send and its 3 in-call retries
        telegram.Respond(call => call.ChatId == chatId && Interlocked.Decrement(ref failures) >= 0 ? FakeReply.TooManyRequests(1) : null);
        var mechanic = await worker.CreateMechanicAsync(chatId);
        var order = await worker.CreateOrderAsync(mechanic.Id);

        await worker.ChangeStatusAsync(order.Id, OrderStatus.InProgress);

        await Eventually.Until(() => DeliveredTo(chatId).Count == 1, "delivery by the dispatch path after the 429s", TimeSpan.FromSeconds(30));
        CallsTo(chatId).Should().HaveCount(5, "four 429s, then the dispatch path's send a retry_after later");
        worker.Logs.Containing("still refused by Telegram's flood control (429); handed to the dispatcher")
            .Should().ContainSingle(e => e.Property("orderId") == order.Id.ToString());
        await Eventually.Until(async () => (await worker.NotificationLogsAsync(order.Id)).Count == 2, "both attempts logged");
        (await worker.NotificationLogsAsync(order.Id)).Select(l => l.Success).Should().BeEquivalentTo([false, true]);
        var message = await worker.DbAsync(db => Task.FromResult(db.Set<DeliveryMessage>().Single(m => m.OrderId == order.Id)));
        message.Should().BeEquivalentTo(new { State = "sent", Attempts = 1, JobId = (string?)null }, o => o.ExcludingMissingMembers(),
            "flood control is not the message's fault: only the send that went through counts, and no Hangfire retry was needed");
    }

    [Fact]
    public async Task Telegram_down_for_good_ends_in_the_failed_state_with_a_dead_letter_line()
    {
        var chatId = TestWorker.NewChatId();
        telegram.Respond(call => call.ChatId == chatId ? FakeReply.ServerError : null);
        var mechanic = await worker.CreateMechanicAsync(chatId);
        var order = await worker.CreateOrderAsync(mechanic.Id);
        const string requestId = "req-dead-letter-1";

        var response = await worker.PatchOrderAsync(order.Id, new { status = OrderStatus.InProgress }, requestId);

        response.IsSuccessStatusCode.Should().BeTrue("a status update never fails because a notification did");
        await Eventually.Until(() => worker.Logs.Containing("DEAD_LETTER").Any(e => e.Property("orderId") == order.Id.ToString()),
            "the dead-letter line", TimeSpan.FromSeconds(40));
        var deadLetter = worker.Logs.Containing("DEAD_LETTER").Single(e => e.Property("orderId") == order.Id.ToString());
        deadLetter.Level.Should().Be(LogEventLevel.Fatal);
        deadLetter.Property("requestId").Should().Be(requestId);
        deadLetter.Property("chatId").Should().Be(chatId);

        // 1 execution + 3 Hangfire retries, each with 1 + 3 in-call attempts.
        CallsTo(chatId).Should().HaveCount(16);
        var logs = await worker.NotificationLogsAsync(order.Id);
        logs.Should().HaveCount(4).And.OnlyContain(l => !l.Success && l.ErrorMessage!.Contains("(500)"));
        await Eventually.Until(() => worker.HangfireStatistics().Failed >= 1, "the job in Failed");
        var message = await worker.DbAsync(db => Task.FromResult(db.Set<DeliveryMessage>().Single(m => m.OrderId == order.Id)));
        message.State.Should().Be("failed");
        message.Attempts.Should().Be(4);
    }

    [Fact]
    public async Task The_status_update_answers_at_once_while_Telegram_hangs()
    {
        var chatId = TestWorker.NewChatId();
        telegram.Respond(call => call.ChatId == chatId ? new FakeReply(200, Delay: TimeSpan.FromSeconds(3)) : null);
        var mechanic = await worker.CreateMechanicAsync(chatId);
        var order = await worker.CreateOrderAsync(mechanic.Id);

        var started = DateTime.UtcNow;
        var updated = await worker.ChangeStatusAsync(order.Id, OrderStatus.Issued);

        (DateTime.UtcNow - started).Should().BeLessThan(TimeSpan.FromSeconds(2));
        updated.Status.Should().Be(OrderStatus.Issued);
        (await worker.Http.GetFromJsonAsync<OrderResponse>($"/api/orders/{order.Id}"))!.Status.Should().Be(OrderStatus.Issued);
        await Eventually.Until(() => DeliveredTo(chatId).Count == 1, "the slow delivery");
    }

    [Fact]
    public async Task The_request_id_comes_back_and_is_on_the_jobs_log_lines()
    {
        telegram.Reset();
        var chatId = TestWorker.NewChatId();
        var mechanic = await worker.CreateMechanicAsync(chatId);
        var order = await worker.CreateOrderAsync(mechanic.Id);

        var response = await worker.PatchOrderAsync(order.Id, new { status = OrderStatus.InProgress }, "req-42");

        response.Headers.GetValues("X-Request-Id").Should().Equal("req-42");
        await Eventually.Until(() => worker.Logs.Containing("delivered to chat").Any(e => e.Property("orderId") == order.Id.ToString()), "the job's log line");
        var sent = worker.Logs.Containing("delivered to chat").Single(e => e.Property("orderId") == order.Id.ToString());
        sent.Property("requestId").Should().Be("req-42");
        sent.Property("jobId").Should().NotBeNullOrEmpty();
        worker.Logs.Containing("status changed").Should().Contain(e => e.Property("requestId") == "req-42" && e.Property("orderId") == order.Id.ToString());
        // No exporter here, so nothing is recorded, but the trace id still goes from the request into the job.
        var changed = worker.Logs.Containing("status changed").Single(e => e.Property("requestId") == "req-42");
        changed.TraceId.Should().NotBeNull();
        sent.TraceId.Should().Be(changed.TraceId);
    }

    [Fact]
    public async Task The_bot_token_never_appears_in_the_logs()
    {
        var chatId = TestWorker.NewChatId();
        telegram.FailNext(1, FakeReply.ServerError);
        var mechanic = await worker.CreateMechanicAsync(chatId);
        var order = await worker.CreateOrderAsync(mechanic.Id);
        await worker.ChangeStatusAsync(order.Id, OrderStatus.InProgress);
        await Eventually.Until(() => DeliveredTo(chatId).Count == 1, "delivery");

        worker.Logs.AllText().Should().NotContain(FakeTelegramServer.Token).And.NotContain("SECRET");
    }
}
