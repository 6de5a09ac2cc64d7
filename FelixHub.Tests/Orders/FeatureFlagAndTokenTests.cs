using FelixHub.Core.Common;
using FelixHub.Core.Orders;
using FelixHub.Tests.Infrastructure;
using Serilog.Events;

namespace FelixHub.Tests.Orders;

public sealed class FlagOffFixture : WorkerFixture
{
    protected override IDictionary<string, string?> Overrides => new Dictionary<string, string?> { ["Notifications:MechanicStatusEnabled"] = "nope" };
}

public sealed class MissingTokenFixture : WorkerFixture
{
    protected override IDictionary<string, string?> Overrides => new Dictionary<string, string?> { ["Telegram:BotToken"] = "" };
}

public sealed class FeatureFlagOffTests(FlagOffFixture fixture) : IClassFixture<FlagOffFixture>
{
    [Fact]
    public async Task With_the_flag_off_nothing_is_sent_or_logged_and_the_status_changes()
    {
        var worker = fixture.Worker;
        var chatId = TestWorker.NewChatId();
        var mechanic = await worker.CreateMechanicAsync(chatId);
        var order = await worker.CreateOrderAsync(mechanic.Id);

        var updated = await worker.ChangeStatusAsync(order.Id, OrderStatus.InProgress);

        updated.Status.Should().Be(OrderStatus.InProgress);
        await Task.Delay(1500);
        fixture.Telegram.Calls.Should().BeEmpty();
        (await worker.NotificationLogsAsync(order.Id)).Should().BeEmpty();
        (await worker.JobsOfTypeAsync("DeliveryJob")).Should().Be(0, "no job is even enqueued");
    }
}

public sealed class MissingBotTokenTests(MissingTokenFixture fixture) : IClassFixture<MissingTokenFixture>
{
    [Fact]
    public async Task Without_a_bot_token_the_send_is_skipped_with_an_error_and_no_log_row()
    {
        var worker = fixture.Worker;
        var mechanic = await worker.CreateMechanicAsync(TestWorker.NewChatId());
        var order = await worker.CreateOrderAsync(mechanic.Id);

        var updated = await worker.ChangeStatusAsync(order.Id, OrderStatus.Ready);

        updated.Status.Should().Be(OrderStatus.Ready);
        await Eventually.Until(() => worker.Logs.Events.Any(e => e.Level == LogEventLevel.Error && e.RenderMessage().Contains("bot token missing")), "the error line");
        fixture.Telegram.Calls.Should().BeEmpty();
        (await worker.NotificationLogsAsync(order.Id)).Should().BeEmpty();
    }
}

public sealed class FeatureFlagTests
{
    [Theory]
    [InlineData("true", true)]
    [InlineData("TRUE", true)]
    [InlineData("True", true)]
    [InlineData("1", true)]
    [InlineData("yes", true)]
    [InlineData("YES", true)]
    [InlineData(" yes ", true)]
    [InlineData("false", false)]
    [InlineData("0", false)]
    [InlineData("no", false)]
    [InlineData("on", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void The_flag_is_on_only_for_true_1_or_yes_in_any_case(string? value, bool expected) =>
        FeatureFlag.IsOn(value).Should().Be(expected);
}
