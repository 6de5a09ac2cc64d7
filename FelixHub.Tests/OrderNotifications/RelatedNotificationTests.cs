using System.Net;
using System.Net.Http.Json;
using FelixHub.Core.Delivery;
using FelixHub.Core.OrderNotifications;
using FelixHub.Core.Orders;
using FelixHub.Tests.Infrastructure;
using FelixHub.Tests.Orders;
using Microsoft.Extensions.DependencyInjection;

namespace FelixHub.Tests.OrderNotifications;

public sealed class RelatedNotificationsOnFixture : WorkerFixture
{
    public string AdminA { get; } = TestWorker.NewChatId();
    public string AdminB { get; } = TestWorker.NewChatId();

    protected override IDictionary<string, string?> Overrides => new Dictionary<string, string?>
    {
        ["Notifications:AdminChatIds:0"] = AdminA,
        ["Notifications:AdminChatIds:1"] = AdminB,
        ["Notifications:AdminNewOrderEnabled"] = "true",
        ["Notifications:MechanicAssignmentEnabled"] = "yes",
        ["Notifications:CustomerReadyEnabled"] = "1",
        ["Notifications:CustomerStatusEnabled"] = "TRUE",
    };
}

/// <summary>Seed 000's related notifications with their flags on: each sent once, logged with its own type.</summary>
public sealed class RelatedNotificationTests(RelatedNotificationsOnFixture fixture) : IClassFixture<RelatedNotificationsOnFixture>
{
    private readonly TestWorker worker = fixture.Worker;
    private readonly FakeTelegramServer telegram = fixture.Telegram;

    private List<string> TextsTo(string chatId, string containing) =>
        telegram.MessagesTo(chatId).Select(m => m.Text!).Where(t => t.Contains(containing, StringComparison.Ordinal)).ToList();

    private async Task<List<NotificationLogResponse>> LogsAsync(int orderId, string type) =>
        (await worker.NotificationLogsAsync(orderId)).Where(l => l.NotificationType == type).ToList();

    [Fact]
    public async Task A_new_order_is_announced_once_to_every_admin_word_for_word()
    {
        var order = await worker.CreateOrderAsync(mechanicId: null);
        var head = $"🆕 Новый заказ #{order.Id}\n";

        await Eventually.Until(() => TextsTo(fixture.AdminA, head).Count == 1 && TextsTo(fixture.AdminB, head).Count == 1, "both admins told");
        TextsTo(fixture.AdminA, head).Single().Should().Be(
            $"""
            🆕 Новый заказ #{order.Id}

            🚗 Номер авто: AB1234CD
            📂 Категория: Двигатель
            👨‍🔧 Механик: не назначен

            Запчасти:
              • Масляный фильтр
              • Воздушный фильтр
              • Свечи зажигания

            🔗 <a href="https://felix.example/orders/{order.Id}">Открыть заказ</a>
            """);
        await Eventually.Until(async () => (await LogsAsync(order.Id, OrderNotificationTypes.AdminNewOrder)).Count == 2, "two log rows");
        (await LogsAsync(order.Id, OrderNotificationTypes.AdminNewOrder)).Should().OnlyContain(l => l.Success)
            .And.Subject.Select(l => l.TelegramId).Should().BeEquivalentTo([fixture.AdminA, fixture.AdminB]);

        // Hangfire is at-least-once: the same jobs again send nothing new.
        var messages = await worker.DbAsync(db => Task.FromResult(db.Set<DeliveryMessage>()
            .Where(m => m.OrderId == order.Id && m.Kind == OrderNotificationTypes.AdminNewOrder).Select(m => m.Id).ToList()));
        messages.Should().HaveCount(2);
        foreach (var id in messages)
            await worker.InScopeAsync(async sp =>
            {
                await sp.GetRequiredService<DeliveryJob>().ExecuteAsync(id, OrderNotificationTypes.AdminNewOrder, CancellationToken.None);
                return 0;
            });
        TextsTo(fixture.AdminA, head).Should().HaveCount(1);
        TextsTo(fixture.AdminB, head).Should().HaveCount(1);
    }

    [Fact]
    public async Task A_mechanic_hears_once_per_assignment_at_creation_and_by_patch()
    {
        var firstChat = TestWorker.NewChatId();
        var secondChat = TestWorker.NewChatId();
        var first = await worker.CreateMechanicAsync(firstChat, name: "Иван");
        var second = await worker.CreateMechanicAsync(secondChat, name: "Олег");
        var order = await worker.CreateOrderAsync(first.Id, carNumber: "<b>X1</b>");
        var assigned = $"🔧 Вам назначен заказ #{order.Id}";

        await Eventually.Until(() => TextsTo(firstChat, assigned).Count == 1, "the first mechanic told at creation");
        TextsTo(firstChat, assigned).Single().Should().Contain("Номер авто: &lt;b&gt;X1&lt;/b&gt;")
            .And.Contain("📌 Статус: новый").And.EndWith($"<a href=\"https://felix.example/mechanic/orders/{order.Id}\">Открыть заказ</a>");

        (await worker.PatchOrderAsync(order.Id, new { assignedMechanicId = second.Id })).EnsureSuccessStatusCode();
        await Eventually.Until(() => TextsTo(secondChat, assigned).Count == 1, "the second mechanic told");
        (await worker.PatchOrderAsync(order.Id, new { assignedMechanicId = second.Id })).EnsureSuccessStatusCode();
        (await worker.PatchOrderAsync(order.Id, new { assignedMechanicId = first.Id })).EnsureSuccessStatusCode();
        await Eventually.Until(() => TextsTo(firstChat, assigned).Count == 2, "the first mechanic told again: a new assignment");

        await Task.Delay(1000);
        TextsTo(secondChat, assigned).Should().HaveCount(1, "assigning the mechanic the order already has is no assignment");
        var logs = await LogsAsync(order.Id, OrderNotificationTypes.MechanicAssignment);
        logs.Should().HaveCount(3).And.OnlyContain(l => l.Success);
        logs.Select(l => l.MessageHash).Should().OnlyHaveUniqueItems();
    }

    [Fact]
    public async Task A_mechanic_without_a_chat_is_logged_as_a_failed_assignment_notification()
    {
        var mechanic = await worker.CreateMechanicAsync(telegramId: null);
        var order = await worker.CreateOrderAsync(mechanic.Id);

        await Eventually.Until(async () => (await LogsAsync(order.Id, OrderNotificationTypes.MechanicAssignment)).Count == 1, "the failure row");
        var log = (await LogsAsync(order.Id, OrderNotificationTypes.MechanicAssignment)).Single();
        log.Success.Should().BeFalse();
        log.ErrorMessage.Should().Be("Mechanic has no telegram_id");
        log.MechanicId.Should().Be(mechanic.Id);
    }

    [Fact]
    public async Task The_customer_hears_each_status_change_and_once_that_the_order_is_ready()
    {
        var customer = TestWorker.NewChatId();
        var order = await CreateOrderForCustomerAsync(customer);

        await worker.ChangeStatusAsync(order.Id, OrderStatus.InProgress);
        await Eventually.Until(() => telegram.MessagesTo(customer).Count == 1, "the status message");
        await worker.ChangeStatusAsync(order.Id, OrderStatus.Ready);
        await Eventually.Until(() => telegram.MessagesTo(customer).Count == 2, "the ready message");
        await Task.Delay(1000);

        telegram.MessagesTo(customer).Select(m => m.Text).Should().Equal(
            $"ℹ️ Статус вашего заказа #{order.Id} изменён\n\n🚗 Номер авто: AB1234CD\n\nБыло: новый\nСтало: в работе",
            $"✅ Ваш заказ #{order.Id} готов!\n\n🚗 Номер авто: AB1234CD\n📂 Категория: Двигатель\n\nАвтомобиль можно забирать.");
        (await LogsAsync(order.Id, OrderNotificationTypes.CustomerStatusChange)).Should().ContainSingle().Which.TelegramId.Should().Be(customer);
        (await LogsAsync(order.Id, OrderNotificationTypes.CustomerOrderReady)).Should().ContainSingle().Which.Success.Should().BeTrue();
    }

    [Fact]
    public async Task The_customer_chat_is_set_and_cleared_by_patch_and_validated()
    {
        var order = await worker.CreateOrderAsync(mechanicId: null);
        var customer = TestWorker.NewChatId();

        var invalid = await worker.PatchOrderAsync(order.Id, new { customerTelegramId = "not a chat" });
        invalid.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await invalid.Content.ReadAsStringAsync()).Should().Contain("customerTelegramId");
        var set = await worker.PatchOrderAsync(order.Id, new { customerTelegramId = customer });
        (await set.Content.ReadFromJsonAsync<OrderResponse>())!.CustomerTelegramId.Should().Be(customer);
        await worker.ChangeStatusAsync(order.Id, OrderStatus.InProgress);
        await Eventually.Until(() => telegram.MessagesTo(customer).Count == 1, "the customer told");

        (await worker.PatchOrderAsync(order.Id, new { customerTelegramId = "" })).EnsureSuccessStatusCode();
        await worker.ChangeStatusAsync(order.Id, OrderStatus.Ready);
        await Task.Delay(1000);
        telegram.MessagesTo(customer).Should().HaveCount(1, "a cleared customer chat hears nothing more");
        (await worker.Http.GetFromJsonAsync<OrderResponse>($"/api/orders/{order.Id}"))!.CustomerTelegramId.Should().BeNull();
    }

    [Fact]
    public async Task An_invalid_customer_chat_at_creation_is_400()
    {
        var response = await worker.Http.PostAsJsonAsync("/api/orders", new { carNumber = "A1", category = "Кузов", parts = Array.Empty<string>(), customerTelegramId = "<script>" });
        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).Should().Contain("customerTelegramId");
    }

    private Task<OrderResponse> CreateOrderForCustomerAsync(string customer) =>
        worker.PostAsync<OrderResponse>("/api/orders", new { carNumber = "AB1234CD", category = "Двигатель", parts = new[] { "Фильтр" }, customerTelegramId = customer });
}
