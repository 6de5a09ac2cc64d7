using FelixHub.Core.OrderNotifications;
using FelixHub.Core.Orders;
using FelixHub.Tests.Infrastructure;
using FelixHub.Tests.Orders;

namespace FelixHub.Tests.OrderNotifications;

public sealed class RelatedNotificationsOffFixture : WorkerFixture
{
    public string Admin { get; } = TestWorker.NewChatId();

    // The related flags keep their defaults (off); the mechanic status flag is on, as in every test worker.
    protected override IDictionary<string, string?> Overrides => new Dictionary<string, string?>
    {
        ["Notifications:AdminChatIds:0"] = Admin,
    };
}

public sealed class RelatedNotificationFlagsOffTests(RelatedNotificationsOffFixture fixture) : IClassFixture<RelatedNotificationsOffFixture>
{
    [Fact]
    public async Task With_their_flags_off_no_related_notification_is_sent_or_enqueued()
    {
        var worker = fixture.Worker;
        var telegram = fixture.Telegram;
        var mechanicChat = TestWorker.NewChatId();
        var customer = TestWorker.NewChatId();
        var mechanic = await worker.CreateMechanicAsync(mechanicChat);
        var order = await worker.PostAsync<OrderResponse>("/api/orders", new
        {
            carNumber = "AB1234CD", category = "Двигатель", parts = new[] { "Фильтр" }, assignedMechanicId = mechanic.Id, customerTelegramId = customer,
        });

        await worker.ChangeStatusAsync(order.Id, OrderStatus.InProgress);
        await worker.ChangeStatusAsync(order.Id, OrderStatus.Ready);
        await Eventually.Until(() => telegram.MessagesTo(mechanicChat).Count == 2, "the mechanic's two status messages (their own flag is on)");
        await Task.Delay(1500);

        telegram.MessagesTo(fixture.Admin).Should().BeEmpty();
        telegram.MessagesTo(customer).Should().BeEmpty();
        telegram.MessagesTo(mechanicChat).Should().OnlyContain(m => m.Text!.StartsWith("🆕 Статус заказа изменён", StringComparison.Ordinal));
        (await worker.NotificationLogsAsync(order.Id)).Should().OnlyContain(l => l.NotificationType == OrderNotificationTypes.MechanicStatusChange);
        worker.Logs.Containing("queued").Should().NotContain(e => e.RenderMessage().Contains(OrderNotificationTypes.AdminNewOrder)
            || e.RenderMessage().Contains(OrderNotificationTypes.MechanicAssignment) || e.RenderMessage().Contains("customer_"));
    }
}
