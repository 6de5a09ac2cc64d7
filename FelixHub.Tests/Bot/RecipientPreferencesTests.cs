using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using FelixHub.Core.Bot;
using FelixHub.Core.Delivery;
using FelixHub.Core.Orders;
using FelixHub.Core.Recipients;
using FelixHub.Tests.Infrastructure;
using FelixHub.Tests.Orders;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FelixHub.Tests.Bot;

/// <summary>
/// Issue 22 §3: a mechanic or customer chooses which order notifications they get, in the bot
/// (<c>/settings</c>, through the fake Bot API) and the API; a message turned off is neither sent nor
/// logged as a failure, and the choice counts at send time.
/// </summary>
public sealed class RecipientPreferencesTests(MechanicButtonsFixture fixture) : IClassFixture<MechanicButtonsFixture>
{
    private readonly TestWorker worker = fixture.Worker;
    private readonly FakeTelegramServer telegram = fixture.Telegram;

    private async Task<RecipientPreferencesResponse> PatchPreferencesAsync(string chatId, object body)
    {
        var response = await worker.Http.PatchAsJsonAsync($"/api/recipients/{chatId}/preferences", body);
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<RecipientPreferencesResponse>())!;
    }

    private Task<List<DeliveryMessage>> LedgerAsync(int orderId, string kind) =>
        worker.DbAsync(db => db.Set<DeliveryMessage>().AsNoTracking().Where(m => m.OrderId == orderId && m.Kind == kind).OrderBy(m => m.Id).ToListAsync());

    private async Task<DeliveryMessage> FinishedAsync(int orderId, string kind, int index = 0)
    {
        await Eventually.Until(async () => (await LedgerAsync(orderId, kind)).ElementAtOrDefault(index) is { FinishedAt: not null },
            $"{kind} #{index + 1} of order {orderId} finished");
        return (await LedgerAsync(orderId, kind))[index];
    }

    private async Task<(MechanicResponse Mechanic, string MechanicChat, OrderResponse Order, string CustomerChat)> AssignedOrderAsync()
    {
        var mechanicChat = TestWorker.NewChatId();
        var customerChat = TestWorker.NewChatId();
        var mechanic = await worker.CreateMechanicAsync(mechanicChat);
        var order = await worker.PostAsync<OrderResponse>("/api/orders", new
        {
            carNumber = "AB1234CD", category = "Двигатель", parts = new[] { "Масляный фильтр" },
            assignedMechanicId = mechanic.Id, customerTelegramId = customerChat,
        });
        (await telegram.ReplyAsync(mechanicChat)).Text.Should().StartWith($"🔧 Вам назначен заказ #{order.Id}");
        return (mechanic, mechanicChat, order, customerChat);
    }

    private static List<(string Text, string Data)> Switches(JsonNode? markup) =>
        markup?["inline_keyboard"]?.AsArray().SelectMany(row => row!.AsArray())
            .Select(b => (b!["text"]!.GetValue<string>(), b["callback_data"]!.GetValue<string>())).ToList() ?? [];

    [Fact]
    public async Task A_mechanic_who_turned_status_changes_off_gets_none_and_nothing_is_logged_as_failed_until_they_turn_them_on()
    {
        var (_, mechanicChat, order, customerChat) = await AssignedOrderAsync();
        (await worker.Http.GetFromJsonAsync<RecipientPreferencesResponse>($"/api/recipients/{mechanicChat}/preferences"))
            .Should().BeEquivalentTo(new { TelegramId = mechanicChat, StatusChanges = true, Assignments = true, Ready = true, UpdatedAt = (DateTimeOffset?)null });

        var saved = await PatchPreferencesAsync(mechanicChat, new { statusChanges = false });
        saved.Should().BeEquivalentTo(new { StatusChanges = false, Assignments = true, Ready = true });
        (await worker.Http.GetFromJsonAsync<RecipientPreferencesResponse>($"/api/recipients/{mechanicChat}/preferences"))!.StatusChanges.Should().BeFalse();

        await worker.ChangeStatusAsync(order.Id, OrderStatus.InProgress);
        var skipped = await FinishedAsync(order.Id, "mechanic_status_change");
        skipped.State.Should().Be(DeliveryStates.Skipped);
        skipped.LastError.Should().Be("Not sent: the recipient turned off status changes.");
        await telegram.ReplyAsync(customerChat); // the customer's own status message still goes out
        telegram.MessagesTo(mechanicChat).Should().HaveCount(1, "only the assignment, from before the choice");
        (await worker.NotificationLogsAsync(order.Id)).Should().NotContain(l => l.NotificationType == "mechanic_status_change", "nothing was tried, nothing failed");

        await PatchPreferencesAsync(mechanicChat, new { statusChanges = true });
        await worker.ChangeStatusAsync(order.Id, OrderStatus.Ready);
        (await telegram.ReplyAsync(mechanicChat, 2)).Text.Should().StartWith("🆕 Статус заказа изменён");
        (await FinishedAsync(order.Id, "mechanic_status_change", 1)).State.Should().Be(DeliveryStates.Sent);
    }

    [Fact]
    public async Task A_mechanic_who_turned_assignments_off_gets_no_assignment_but_still_gets_status_changes()
    {
        var (_, _, order, _) = await AssignedOrderAsync();
        var otherChat = TestWorker.NewChatId();
        var other = await worker.CreateMechanicAsync(otherChat);
        await PatchPreferencesAsync(otherChat, new { assignments = false });

        (await worker.PatchOrderAsync(order.Id, new { assignedMechanicId = other.Id })).EnsureSuccessStatusCode();
        var assignment = await FinishedAsync(order.Id, "mechanic_assignment", 1);
        assignment.State.Should().Be(DeliveryStates.Skipped);
        assignment.LastError.Should().Be("Not sent: the recipient turned off assignments.");

        await worker.ChangeStatusAsync(order.Id, OrderStatus.InProgress);
        (await telegram.ReplyAsync(otherChat)).Text.Should().StartWith("🆕 Статус заказа изменён", "only assignments were turned off");
    }

    [Fact]
    public async Task The_dispatch_path_reads_the_choice_at_send_time_too()
    {
        var off = TestWorker.NewChatId();
        var on = TestWorker.NewChatId();
        await PatchPreferencesAsync(off, new { statusChanges = false });
        var key = Guid.NewGuid().ToString("N");
        await worker.DbAsync(db => db.Database.ExecuteSqlRawAsync("""
            INSERT INTO delivery_messages (kind, dedup_key, chat_id, text, state, due_at, next_attempt_at, created_at)
            VALUES ('mechanic_status_change', {0}, {1}, 'queued before the choice', 'pending', now(), now(), now()),
                   ('mechanic_status_change', {2}, {3}, 'queued, still wanted', 'pending', now(), now(), now())
            """, key + "-off", off, key + "-on", on));

        await worker.InScopeAsync(sp => sp.GetRequiredService<DeliveryDispatcher>().RunAsync(CancellationToken.None));

        (await telegram.ReplyAsync(on)).Text.Should().Be("queued, still wanted");
        await Eventually.Until(async () => await worker.DbAsync(db => db.Set<DeliveryMessage>().AnyAsync(m => m.DedupKey == key + "-off" && m.FinishedAt != null)),
            "the turned-off message finished");
        var skipped = await worker.DbAsync(db => db.Set<DeliveryMessage>().AsNoTracking().SingleAsync(m => m.DedupKey == key + "-off"));
        skipped.State.Should().Be(DeliveryStates.Skipped);
        skipped.LastError.Should().Be("Not sent: the recipient turned off status changes.");
        telegram.MessagesTo(off).Should().BeEmpty();
    }

    [Fact]
    public async Task A_customer_turns_the_ready_message_off_in_the_bot_and_gets_nothing_when_the_car_is_ready()
    {
        var (_, _, order, customerChat) = await AssignedOrderAsync();

        telegram.PushMessage(customerChat, "/settings");
        var menu = await telegram.ReplyAsync(customerChat);
        menu.Text.Should().Be(BotMessages.PreferencesTitle);
        Switches(menu.Body["reply_markup"]).Should().Equal(("✅ Смена статуса", "rp:s:0"), ("✅ Заказ готов", "rp:r:0"));

        var press = FakeTelegramServer.CallbackQueryUpdate(customerChat, "rp:r:0", messageId: 77);
        await worker.UntilHandledAsync(telegram.PushUpdate(press));
        telegram.CallsOf("answerCallbackQuery").Single(c => c.Body["callback_query_id"]!.ToString() == press["callback_query"]!["id"]!.ToString())
            .Body["text"]!.GetValue<string>().Should().Be("Заказ готов: выключены.");
        var edit = telegram.CallsOf("editMessageReplyMarkup").Where(c => c.ChatId == customerChat).Should().ContainSingle().Subject;
        edit.Body["message_id"]!.GetValue<int>().Should().Be(77);
        Switches(edit.Body["reply_markup"]).Should().Equal(("✅ Смена статуса", "rp:s:0"), ("🔕 Заказ готов", "rp:r:1"));
        (await worker.Http.GetFromJsonAsync<RecipientPreferencesResponse>($"/api/recipients/{customerChat}/preferences"))!.Ready.Should().BeFalse();

        // A second press of the same button sets the same value: nothing flips back.
        await worker.UntilHandledAsync(telegram.PushUpdate(FakeTelegramServer.CallbackQueryUpdate(customerChat, "rp:r:0", messageId: 77)));
        (await worker.Http.GetFromJsonAsync<RecipientPreferencesResponse>($"/api/recipients/{customerChat}/preferences"))!.Ready.Should().BeFalse();

        await worker.ChangeStatusAsync(order.Id, OrderStatus.Ready);
        (await FinishedAsync(order.Id, "customer_order_ready")).State.Should().Be(DeliveryStates.Skipped);
        telegram.MessagesTo(customerChat).Should().HaveCount(1, "only the settings menu: «готов» brings the ready message alone, and it is off");
    }

    [Fact]
    public async Task Settings_are_only_for_mechanics_and_customers_and_only_their_own_user_changes_them()
    {
        var stranger = TestWorker.NewChatId();
        telegram.PushMessage(stranger, "/settings");
        (await telegram.ReplyAsync(stranger)).Text.Should().Be(BotMessages.PreferencesNotForYou);

        var (_, mechanicChat, _, _) = await AssignedOrderAsync();
        telegram.PushMessage(mechanicChat, "/settings");
        Switches((await telegram.ReplyAsync(mechanicChat, 2)).Body["reply_markup"])
            .Should().Equal(("✅ Смена статуса", "rp:s:0"), ("✅ Назначение заказа", "rp:a:0"));

        // Someone else pressing in the mechanic's chat (a group would do that), a forged value, a button the mechanic was not shown.
        foreach (var (data, from) in new[] { ("rp:s:0", stranger), ("rp:s:7", mechanicChat), ("rp:r:0", mechanicChat), ("rp:zz", mechanicChat) })
        {
            var press = FakeTelegramServer.CallbackQueryUpdate(mechanicChat, data, messageId: 5, fromId: from);
            await worker.UntilHandledAsync(telegram.PushUpdate(press));
            telegram.CallsOf("answerCallbackQuery").Single(c => c.Body["callback_query_id"]!.ToString() == press["callback_query"]!["id"]!.ToString())
                .Body["text"]!.GetValue<string>().Should().Be(BotMessages.PreferencesUnknownButton);
        }
        (await worker.Http.GetFromJsonAsync<RecipientPreferencesResponse>($"/api/recipients/{mechanicChat}/preferences"))
            .Should().BeEquivalentTo(new { StatusChanges = true, Assignments = true, Ready = true, UpdatedAt = (DateTimeOffset?)null });
        telegram.CallsOf("editMessageReplyMarkup").Where(c => c.ChatId == mechanicChat).Should().BeEmpty();
    }

    [Fact]
    public async Task Bad_input_is_a_400_naming_the_field()
    {
        var response = await worker.Http.GetAsync("/api/recipients/not%20a%20chat/preferences");
        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).Should().Contain("telegramId");

        response = await worker.Http.PatchAsync($"/api/recipients/{TestWorker.NewChatId()}/preferences",
            new StringContent("""{"ready":"sometimes"}""", System.Text.Encoding.UTF8, "application/json"));
        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).Should().Contain("ready");
    }
}
