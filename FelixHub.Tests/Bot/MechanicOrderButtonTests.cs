using System.ComponentModel.DataAnnotations;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FelixHub.Core.Bot;
using FelixHub.Core.OrderNotifications;
using FelixHub.Core.Orders;
using FelixHub.Core.Telegram;
using FelixHub.Tests.Infrastructure;
using FelixHub.Tests.Orders;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using Serilog.Events;

namespace FelixHub.Tests.Bot;

/// <summary>A polling worker with every mechanic and customer notification on, and a dedicated callback secret.</summary>
public sealed class MechanicButtonsFixture : WorkerFixture
{
    public const string CallbackSecret = "test-callback-secret-0123456789-abcdefghij";

    protected override IDictionary<string, string?> Overrides => BotTestSupport.Polling(new Dictionary<string, string?>
    {
        ["Telegram:CallbackSecret"] = CallbackSecret,
        ["Notifications:MechanicAssignmentEnabled"] = "true",
        ["Notifications:CustomerReadyEnabled"] = "true",
        ["Notifications:CustomerStatusEnabled"] = "true",
    });
}

/// <summary>
/// Issue 22 §1: the mechanic's order messages carry buttons that move the order on; a press goes through
/// the real bot flow (the fake Bot API serves it to the poller) into the same service as a PATCH.
/// </summary>
public sealed partial class MechanicOrderButtonTests(MechanicButtonsFixture fixture) : IClassFixture<MechanicButtonsFixture>
{
    private readonly TestWorker worker = fixture.Worker;
    private readonly FakeTelegramServer telegram = fixture.Telegram;

    private sealed record Button(string Text, string? Data, string? Url);

    private sealed record Press(long UpdateId, string CallbackId);

    private sealed record Setup(MechanicResponse Mechanic, string MechanicChat, OrderResponse Order, string CustomerChat, TelegramCall Assignment);

    /// <summary>A mechanic with a linked chat, and a new order assigned to them with a customer chat; returns the assignment message.</summary>
    private async Task<Setup> AssignedOrderAsync(string[]? parts = null)
    {
        var mechanicChat = TestWorker.NewChatId();
        var customerChat = TestWorker.NewChatId();
        var mechanic = await worker.CreateMechanicAsync(mechanicChat);
        var order = await worker.PostAsync<OrderResponse>("/api/orders", new
        {
            carNumber = "AB1234CD",
            category = "Двигатель",
            parts = parts ?? ["Масляный фильтр"],
            assignedMechanicId = mechanic.Id,
            customerTelegramId = customerChat,
        });
        var assignment = await telegram.ReplyAsync(mechanicChat);
        assignment.Text.Should().StartWith($"🔧 Вам назначен заказ #{order.Id}");
        return new Setup(mechanic, mechanicChat, order, customerChat, assignment);
    }

    private static List<Button> Buttons(JsonNode? markup) =>
        markup?["inline_keyboard"]?.AsArray().SelectMany(row => row!.AsArray())
            .Select(b => new Button(b!["text"]!.GetValue<string>(), b["callback_data"]?.GetValue<string>(), b["url"]?.GetValue<string>()))
            .ToList() ?? [];

    private static Button StepButton(TelegramCall message) => Buttons(message.Body["reply_markup"]).Single(b => b.Data is not null);

    /// <summary>Presses <paramref name="data"/> under the message <paramref name="messageId"/> in <paramref name="chatId"/>, as <paramref name="fromId"/> (default: the chat's owner).</summary>
    private Press PressButton(string chatId, string data, int messageId, string? fromId = null)
    {
        var update = FakeTelegramServer.CallbackQueryUpdate(chatId, data, messageId, fromId);
        var updateId = telegram.PushUpdate(update);
        return new Press(updateId, update["callback_query"]!["id"]!.GetValue<string>());
    }

    private async Task<string> AnswerAsync(Press press)
    {
        await worker.UntilHandledAsync(press.UpdateId);
        return telegram.CallsOf("answerCallbackQuery").Where(c => c.Body["callback_query_id"]?.ToString() == press.CallbackId)
            .Should().ContainSingle("every press is answered once").Subject.Body["text"]!.GetValue<string>();
    }

    private IReadOnlyList<TelegramCall> Edits(string chatId) => telegram.CallsOf("editMessageText").Where(c => c.ChatId == chatId).ToList();

    private Task<List<OrderStatusChange>> ChangesAsync(int orderId) =>
        worker.DbAsync(db => db.OrderStatusChanges.AsNoTracking().Where(c => c.OrderId == orderId).OrderBy(c => c.Id).ToListAsync());

    private Task<string> StatusAsync(int orderId) => worker.DbAsync(db => db.Orders.Where(o => o.Id == orderId).Select(o => o.Status).SingleAsync());

    private List<TelegramCall> StatusMessagesTo(string chatId, int orderId) =>
        telegram.MessagesTo(chatId).Where(m => m.Text!.StartsWith("🆕 Статус заказа изменён", StringComparison.Ordinal) && m.Text.Contains($"Заказ #{orderId}\n", StringComparison.Ordinal)).ToList();

    private List<TelegramCall> CustomerMessagesTo(string chatId, int orderId) =>
        telegram.MessagesTo(chatId).Where(m => m.Text!.Contains($"#{orderId}", StringComparison.Ordinal)).ToList();

    /// <summary>What Telegram requires of a message: at most 4,096 characters of HTML with only the tags we use and every entity known.</summary>
    private static void ShouldBeValidForTelegram(TelegramCall message)
    {
        message.ParseMode.Should().BeEquivalentTo("HTML");
        message.Text!.Length.Should().BeLessThanOrEqualTo(TelegramHtml.MaxMessageLength);
        var withoutTags = AllowedTag().Replace(message.Text, "");
        withoutTags.Should().NotContainAny("<", ">");
        UnknownEntity().IsMatch(withoutTags).Should().BeFalse("every & starts an entity Telegram knows");
        foreach (var button in Buttons(message.Body["reply_markup"]).Where(b => b.Data is not null))
            Encoding.UTF8.GetByteCount(button.Data!).Should().BeLessThanOrEqualTo(64);
    }

    [GeneratedRegex("<a href=\"[^\"<>]*\">|</a>|</?b>|</?i>")]
    private static partial Regex AllowedTag();

    [GeneratedRegex("&(?!(amp|lt|gt|quot);)")]
    private static partial Regex UnknownEntity();

    [GeneratedRegex("^o:[0-9]+:[0-9]+:[0-3]:[0-3]:[A-Za-z0-9_-]{11}$")]
    private static partial Regex SignedData();

    [Fact]
    public async Task The_mechanics_messages_carry_the_next_step_of_the_current_status_and_an_open_button()
    {
        var setup = await AssignedOrderAsync();
        var openUrl = $"https://felix.example/mechanic/orders/{setup.Order.Id}";

        Buttons(setup.Assignment.Body["reply_markup"]).Should().HaveCount(2);
        var start = StepButton(setup.Assignment);
        start.Text.Should().Be("▶ В работу");
        start.Data.Should().MatchRegex(SignedData().ToString()).And.StartWith($"o:{setup.Order.Id}:{setup.Mechanic.Id}:1:0:");
        Buttons(setup.Assignment.Body["reply_markup"]).Should().ContainSingle(b => b.Url != null).Which.Should().Be(new Button(MechanicOrderButtons.OpenLabel, null, openUrl));
        ShouldBeValidForTelegram(setup.Assignment);

        await worker.ChangeStatusAsync(setup.Order.Id, OrderStatus.InProgress);
        var inProgress = await telegram.ReplyAsync(setup.MechanicChat, 2);
        StepButton(inProgress).Should().Match<Button>(b => b.Text == "✅ Готово" && b.Data!.StartsWith($"o:{setup.Order.Id}:{setup.Mechanic.Id}:2:1:"));
        ShouldBeValidForTelegram(inProgress);

        await worker.ChangeStatusAsync(setup.Order.Id, OrderStatus.Ready);
        var ready = await telegram.ReplyAsync(setup.MechanicChat, 3);
        Buttons(ready.Body["reply_markup"]).Should().Equal([new Button(MechanicOrderButtons.OpenLabel, null, openUrl)], "«готов» has no next step for the mechanic");

        await worker.ChangeStatusAsync(setup.Order.Id, OrderStatus.Issued);
        var issued = await telegram.ReplyAsync(setup.MechanicChat, 4);
        Buttons(issued.Body["reply_markup"]).Should().Equal([new Button(MechanicOrderButtons.OpenLabel, null, openUrl)]);

        telegram.MessagesTo(setup.CustomerChat).Should().OnlyContain(m => m.Body["reply_markup"] == null, "only the mechanic gets buttons");
    }

    [Fact]
    public async Task A_press_by_the_assigned_mechanic_moves_the_order_on_like_a_PATCH_with_every_notification()
    {
        var setup = await AssignedOrderAsync();
        var messageId = telegram.MessageIdOf(setup.Assignment);

        var press = PressButton(setup.MechanicChat, StepButton(setup.Assignment).Data!, messageId);

        (await AnswerAsync(press)).Should().Be(BotMessages.StepTaken(setup.Order.Id, OrderStatus.InProgress));
        (await StatusAsync(setup.Order.Id)).Should().Be(OrderStatus.InProgress);
        var change = (await ChangesAsync(setup.Order.Id)).Should().ContainSingle().Subject;
        change.Should().BeEquivalentTo(new { OldStatus = OrderStatus.New, NewStatus = OrderStatus.InProgress });
        change.RequestId.Should().Be("telegram-press-" + press.CallbackId);

        var edit = Edits(setup.MechanicChat).Should().ContainSingle().Subject;
        edit.Body["message_id"]!.GetValue<int>().Should().Be(messageId, "the pressed message is the one updated");
        edit.Text.Should().StartWith($"🔧 Заказ #{setup.Order.Id}: в работе\n\n")
            .And.Contain("Было: новый\nСтало: в работе\n")
            .And.Contain($"🕒 Изменён: {OrderMessages.MoscowTime(change.ChangedAt)} (кнопкой в Telegram)\n");
        ShouldBeValidForTelegram(edit);
        var next = StepButton(edit);
        next.Text.Should().Be("✅ Готово");

        // The same notifications as a PATCH: the mechanic's status message (with the next step) and the customer's.
        await Eventually.Until(() => StatusMessagesTo(setup.MechanicChat, setup.Order.Id).Count == 1 && CustomerMessagesTo(setup.CustomerChat, setup.Order.Id).Count == 1, "the change's notifications");
        StatusMessagesTo(setup.MechanicChat, setup.Order.Id).Single().Text.Should().Contain("Было: новый\nСтало: в работе");
        StepButton(StatusMessagesTo(setup.MechanicChat, setup.Order.Id).Single()).Text.Should().Be("✅ Готово");
        CustomerMessagesTo(setup.CustomerChat, setup.Order.Id).Single().Text.Should().StartWith($"ℹ️ Статус вашего заказа #{setup.Order.Id} изменён");

        var logged = worker.Logs.Containing("Order button:").Where(e => e.Property("OrderId") == setup.Order.Id.ToString()).Should().ContainSingle().Subject;
        logged.Level.Should().Be(LogEventLevel.Information);
        logged.Property("MechanicId").Should().Be(setup.Mechanic.Id.ToString());
        logged.Property("ChatId").Should().Be(setup.MechanicChat);
        logged.Property("Outcome").Should().Be(nameof(MechanicStepOutcome.Changed));

        // «✅ Готово» on the updated message: ready, and the customer hears it.
        var second = PressButton(setup.MechanicChat, next.Data!, messageId);
        (await AnswerAsync(second)).Should().Be(BotMessages.StepTaken(setup.Order.Id, OrderStatus.Ready));
        (await StatusAsync(setup.Order.Id)).Should().Be(OrderStatus.Ready);
        var done = Edits(setup.MechanicChat)[^1];
        done.Text.Should().StartWith($"✅ Заказ #{setup.Order.Id}: готов\n\n");
        Buttons(done.Body["reply_markup"]).Should().OnlyContain(b => b.Url != null, "nothing left for the mechanic to press");
        await Eventually.Until(() => CustomerMessagesTo(setup.CustomerChat, setup.Order.Id).Any(m => m.Text!.StartsWith($"✅ Ваш заказ #{setup.Order.Id} готов!", StringComparison.Ordinal)), "the customer's ready message");
        worker.Logs.AllText().Should().NotContain(MechanicButtonsFixture.CallbackSecret);
    }

    [Fact]
    public async Task A_press_racing_a_PATCH_makes_one_change_and_one_set_of_notifications()
    {
        var setup = await AssignedOrderAsync();

        // Hold the order's row, so the press and the PATCH both wait for it and then race for it.
        await using var holder = new NpgsqlConnection(worker.ConnectionString);
        await holder.OpenAsync();
        await using var hold = await holder.BeginTransactionAsync();
        await using (var lockRow = new NpgsqlCommand($"SELECT id FROM orders WHERE id = {setup.Order.Id} FOR UPDATE", holder, hold))
            await lockRow.ExecuteScalarAsync();

        var press = PressButton(setup.MechanicChat, StepButton(setup.Assignment).Data!, telegram.MessageIdOf(setup.Assignment));
        var patch = worker.PatchOrderAsync(setup.Order.Id, new { status = OrderStatus.InProgress });
        await Eventually.Until(async () => await WaitingForOrderRowsAsync() >= 2, "the press and the PATCH waiting for the order's row");
        await hold.RollbackAsync();

        (await patch).IsSuccessStatusCode.Should().BeTrue();
        var answer = await AnswerAsync(press);
        answer.Should().BeOneOf(
            BotMessages.StepTaken(setup.Order.Id, OrderStatus.InProgress),
            BotMessages.StepAlreadyTaken(setup.Order.Id, OrderStatus.InProgress, (await ChangesAsync(setup.Order.Id)).Single().ChangedAt));
        (await ChangesAsync(setup.Order.Id)).Should().ContainSingle("one change, whoever won");
        Edits(setup.MechanicChat).Should().HaveCount(answer.StartsWith("✅", StringComparison.Ordinal) ? 1 : 0, "only a press that changed the order updates its message");

        await Eventually.Until(() => StatusMessagesTo(setup.MechanicChat, setup.Order.Id).Count >= 1 && CustomerMessagesTo(setup.CustomerChat, setup.Order.Id).Count >= 1, "the change's notifications");
        await Task.Delay(1500);
        StatusMessagesTo(setup.MechanicChat, setup.Order.Id).Should().HaveCount(1, "one change, one mechanic message");
        CustomerMessagesTo(setup.CustomerChat, setup.Order.Id).Should().HaveCount(1, "one change, one customer message");
    }

    private async Task<long> WaitingForOrderRowsAsync()
    {
        await using var connection = new NpgsqlConnection(worker.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT count(*) FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE '%FROM orders%FOR UPDATE%'
            """, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task A_deactivated_mechanics_press_changes_nothing_until_they_are_reactivated()
    {
        var setup = await AssignedOrderAsync();
        var data = StepButton(setup.Assignment).Data!;
        (await worker.Http.PatchAsJsonAsync($"/api/mechanics/{setup.Mechanic.Id}", new { active = false })).EnsureSuccessStatusCode();

        var press = PressButton(setup.MechanicChat, data, telegram.MessageIdOf(setup.Assignment));

        (await AnswerAsync(press)).Should().Be(BotMessages.StepOtherChat, "their chat is no longer a mechanic's");
        (await StatusAsync(setup.Order.Id)).Should().Be(OrderStatus.New);
        (await ChangesAsync(setup.Order.Id)).Should().BeEmpty();
        Edits(setup.MechanicChat).Should().BeEmpty();

        (await worker.Http.PatchAsJsonAsync($"/api/mechanics/{setup.Mechanic.Id}", new { active = true })).EnsureSuccessStatusCode();
        var again = PressButton(setup.MechanicChat, data, telegram.MessageIdOf(setup.Assignment));
        (await AnswerAsync(again)).Should().Be(BotMessages.StepTaken(setup.Order.Id, OrderStatus.InProgress));
    }

    [Fact]
    public async Task A_press_from_another_chat_changes_nothing_and_says_why()
    {
        var setup = await AssignedOrderAsync();
        var data = StepButton(setup.Assignment).Data!;
        var stranger = TestWorker.NewChatId();

        var fromStranger = PressButton(stranger, data, 1);
        var otherUserInTheChat = PressButton(setup.MechanicChat, data, telegram.MessageIdOf(setup.Assignment), fromId: stranger);

        (await AnswerAsync(fromStranger)).Should().Be(BotMessages.StepOtherChat);
        (await AnswerAsync(otherUserInTheChat)).Should().Be(BotMessages.StepOtherChat);
        (await StatusAsync(setup.Order.Id)).Should().Be(OrderStatus.New);
        (await ChangesAsync(setup.Order.Id)).Should().BeEmpty();
        Edits(stranger).Should().BeEmpty();
        Edits(setup.MechanicChat).Should().BeEmpty();
        worker.Logs.Containing("Order button:").Where(e => e.Property("OrderId") == setup.Order.Id.ToString()).Should().HaveCount(2)
            .And.OnlyContain(e => e.Level == LogEventLevel.Warning && e.Property("MechanicId") == setup.Mechanic.Id.ToString()
                && e.Property("Outcome") == nameof(MechanicStepOutcome.OtherChat));

        // The mechanic's own press still works afterwards.
        var own = PressButton(setup.MechanicChat, data, telegram.MessageIdOf(setup.Assignment));
        (await AnswerAsync(own)).Should().Be(BotMessages.StepTaken(setup.Order.Id, OrderStatus.InProgress));
    }

    [Fact]
    public async Task A_second_press_of_the_same_button_changes_nothing_and_says_it_is_done()
    {
        var setup = await AssignedOrderAsync();
        var data = StepButton(setup.Assignment).Data!;
        var messageId = telegram.MessageIdOf(setup.Assignment);

        var first = PressButton(setup.MechanicChat, data, messageId);
        var second = PressButton(setup.MechanicChat, data, messageId);

        (await AnswerAsync(first)).Should().Be(BotMessages.StepTaken(setup.Order.Id, OrderStatus.InProgress));
        var change = (await ChangesAsync(setup.Order.Id)).Should().ContainSingle().Subject;
        (await AnswerAsync(second)).Should().Be(BotMessages.StepAlreadyTaken(setup.Order.Id, OrderStatus.InProgress, change.ChangedAt));
        (await ChangesAsync(setup.Order.Id)).Should().HaveCount(1);
        Edits(setup.MechanicChat).Should().HaveCount(1);
        await Eventually.Until(() => StatusMessagesTo(setup.MechanicChat, setup.Order.Id).Count == 1, "the change's message");
        await Task.Delay(1000);
        StatusMessagesTo(setup.MechanicChat, setup.Order.Id).Should().HaveCount(1);
        CustomerMessagesTo(setup.CustomerChat, setup.Order.Id).Should().HaveCount(1);
        worker.Logs.Containing("Order button:").Where(e => e.Property("OrderId") == setup.Order.Id.ToString())
            .Select(e => e.Property("Outcome")).Should().Equal(nameof(MechanicStepOutcome.Changed), nameof(MechanicStepOutcome.AlreadyDone));
    }

    [Fact]
    public async Task A_press_after_reassignment_changes_nothing_and_the_new_mechanic_can_act()
    {
        var setup = await AssignedOrderAsync();
        var otherChat = TestWorker.NewChatId();
        var other = await worker.CreateMechanicAsync(otherChat, name: "Сергей");
        (await worker.PatchOrderAsync(setup.Order.Id, new { assignedMechanicId = other.Id })).EnsureSuccessStatusCode();
        var reassigned = await telegram.ReplyAsync(otherChat);

        var stale = PressButton(setup.MechanicChat, StepButton(setup.Assignment).Data!, telegram.MessageIdOf(setup.Assignment));

        (await AnswerAsync(stale)).Should().Be(BotMessages.StepNotAssigned(setup.Order.Id));
        (await StatusAsync(setup.Order.Id)).Should().Be(OrderStatus.New);
        Edits(setup.MechanicChat).Should().BeEmpty();

        StepButton(reassigned).Data.Should().StartWith($"o:{setup.Order.Id}:{other.Id}:1:0:");
        var fresh = PressButton(otherChat, StepButton(reassigned).Data!, telegram.MessageIdOf(reassigned));
        (await AnswerAsync(fresh)).Should().Be(BotMessages.StepTaken(setup.Order.Id, OrderStatus.InProgress));
        (await ChangesAsync(setup.Order.Id)).Should().ContainSingle();
    }

    [Fact]
    public async Task A_button_whose_order_moved_on_changes_nothing_and_names_the_status()
    {
        var setup = await AssignedOrderAsync();
        await worker.ChangeStatusAsync(setup.Order.Id, OrderStatus.Ready);

        var press = PressButton(setup.MechanicChat, StepButton(setup.Assignment).Data!, telegram.MessageIdOf(setup.Assignment));

        (await AnswerAsync(press)).Should().Be(BotMessages.StepStatusMoved(setup.Order.Id, OrderStatus.Ready));
        (await ChangesAsync(setup.Order.Id)).Should().ContainSingle().Which.NewStatus.Should().Be(OrderStatus.Ready);
        Edits(setup.MechanicChat).Should().BeEmpty();
    }

    [Fact]
    public async Task Data_the_bot_did_not_sign_never_changes_an_order()
    {
        var setup = await AssignedOrderAsync();
        var target = await worker.CreateOrderAsync(setup.Mechanic.Id);
        var data = StepButton(setup.Assignment).Data!;
        var retargeted = $"o:{target.Id}:" + data[$"o:{setup.Order.Id}:".Length..];
        var skipped = $"o:{setup.Order.Id}:{setup.Mechanic.Id}:2:0:" + data[^11..];

        foreach (var forged in new[] { retargeted, skipped, "o:1:1:1:0:AAAAAAAAAAA", "o:garbage" })
        {
            var press = PressButton(setup.MechanicChat, forged, telegram.MessageIdOf(setup.Assignment));
            (await AnswerAsync(press)).Should().Be(BotMessages.OrderButtonUnknown, forged);
        }

        (await StatusAsync(target.Id)).Should().Be(OrderStatus.New);
        (await StatusAsync(setup.Order.Id)).Should().Be(OrderStatus.New);
        worker.Logs.Containing("did not sign").Where(e => e.Property("ChatId") == setup.MechanicChat).Should().HaveCount(4);
    }

    [Fact]
    public async Task The_updated_message_of_an_order_with_many_parts_stays_within_Telegrams_limits()
    {
        var parts = Enumerable.Range(1, 100).Select(i => $"Деталь <{i}> & \"{new string('x', 150)}\"").ToArray();
        var setup = await AssignedOrderAsync(parts);
        ShouldBeValidForTelegram(setup.Assignment);

        var press = PressButton(setup.MechanicChat, StepButton(setup.Assignment).Data!, telegram.MessageIdOf(setup.Assignment));

        (await AnswerAsync(press)).Should().Be(BotMessages.StepTaken(setup.Order.Id, OrderStatus.InProgress));
        var edit = Edits(setup.MechanicChat).Single();
        ShouldBeValidForTelegram(edit);
        edit.Text.Should().MatchRegex("… и ещё [0-9]+\n").And.EndWith("Открыть заказ</a>");
    }
}

/// <summary>The buttons' rules on their own: data size, signatures, which URLs Telegram takes.</summary>
public sealed class MechanicOrderButtonRuleTests
{
    private sealed class Fixed<T>(T value) : IOptionsMonitor<T>
    {
        public T CurrentValue => value;

        public T Get(string? name) => value;

        public IDisposable? OnChange(Action<T, string?> listener) => null;
    }

    private static MechanicOrderButtons Buttons(string token, string secret = "", string frontendUrl = "https://felix.example") =>
        new(new Fixed<TelegramOptions>(new TelegramOptions { BotToken = token }),
            new Fixed<BotOptions>(new BotOptions { CallbackSecret = secret }),
            new Fixed<NotificationsOptions>(new NotificationsOptions { FrontendUrl = frontendUrl }));

    /// <summary>The step button's data and the open button's URL of a keyboard; null for no keyboard.</summary>
    private sealed record Drawn(string? Data, string? Url);

    private static Drawn? Read(MechanicOrderButtons buttons, int orderId, int mechanicId, string status)
    {
        var keyboard = buttons.Keyboard(orderId, mechanicId, status);
        if (keyboard is null) return null;
        var all = keyboard.InlineKeyboard.SelectMany(r => r).ToList();
        return new Drawn(all.FirstOrDefault(b => b.CallbackData is not null)?.CallbackData, all.FirstOrDefault(b => b.Url is not null)?.Url);
    }

    [Fact]
    public void Callback_data_of_the_largest_ids_fits_Telegrams_64_bytes_and_reads_back()
    {
        var buttons = Buttons(FakeTelegramServer.Token);
        var data = Read(buttons, int.MaxValue, int.MaxValue, OrderStatus.InProgress)!.Data!;

        Encoding.UTF8.GetByteCount(data).Should().BeLessThanOrEqualTo(MechanicOrderButtons.MaxCallbackDataBytes);
        buttons.TryRead(data, out var button).Should().BeTrue();
        button.Should().Be(new OrderButton(int.MaxValue, int.MaxValue, OrderStatus.InProgress, OrderStatus.Ready));
    }

    [Fact]
    public void A_new_bot_token_retires_the_buttons_signed_with_the_old_one_unless_a_callback_secret_is_set()
    {
        var data = Read(Buttons("1:old-token"), 7, 3, OrderStatus.New)!.Data!;
        Buttons("1:new-token").TryRead(data, out _).Should().BeFalse();

        var secret = new string('s', 32);
        var signed = Read(Buttons("1:old-token", secret), 7, 3, OrderStatus.New)!.Data!;
        Buttons("1:new-token", secret).TryRead(signed, out var button).Should().BeTrue();
        button.ToStatus.Should().Be(OrderStatus.InProgress);
    }

    [Theory]
    [InlineData("", true)]
    [InlineData("too-short-secret", false)]
    [InlineData("a-callback-secret-of-32-chars-ok", true)]
    public void A_callback_secret_is_empty_or_at_least_32_characters(string secret, bool valid)
    {
        var options = new BotOptions { CallbackSecret = secret };
        var errors = new List<ValidationResult>();

        Validator.TryValidateObject(options, new ValidationContext(options), errors, validateAllProperties: true).Should().Be(valid);
        if (!valid) errors.Should().ContainSingle().Which.ErrorMessage.Should().Contain("Telegram:CallbackSecret").And.NotContain(secret);
    }

    [Fact]
    public void Without_a_key_there_are_no_step_buttons()
    {
        var read = Read(Buttons(token: ""), 7, 3, OrderStatus.New);
        read!.Data.Should().BeNull();
        read.Url.Should().Be("https://felix.example/mechanic/orders/7");
    }

    [Theory]
    [InlineData("https://felix.example", true)]
    [InlineData("http://crm.felix.example:8080/app/", true)]
    [InlineData("http://localhost:3000", false)]
    [InlineData("http://127.0.0.1:3000", false)]
    [InlineData("http://10.0.0.5", false)]
    [InlineData("ftp://felix.example", false)]
    [InlineData("felix.example", false)]
    public void Only_an_http_URL_with_a_domain_name_becomes_an_open_button(string frontendUrl, bool button)
    {
        var read = Read(Buttons(FakeTelegramServer.Token, frontendUrl: frontendUrl), 7, 3, OrderStatus.Ready);
        if (button) read!.Url.Should().StartWith(frontendUrl.TrimEnd('/')).And.EndWith("/mechanic/orders/7");
        else read.Should().BeNull("«готов» has no step, and Telegram would refuse this URL");
    }
}
