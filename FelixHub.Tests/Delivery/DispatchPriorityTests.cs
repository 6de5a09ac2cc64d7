using FelixHub.Core.Delivery;
using FelixHub.Core.Telegram;
using FelixHub.Tests.Bookings;
using FelixHub.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FelixHub.Tests.Delivery;

/// <summary>Priority classes in the dispatcher: what is due of the high class is claimed before an older bulk backlog.</summary>
public sealed class DispatchPriorityTests : IAsyncLifetime
{
    private TestWorker worker = null!;

    public async Task InitializeAsync() =>
        worker = await TestWorker.StartAsync(await PostgresServer.CreateDatabaseAsync(), null, new Dictionary<string, string?>
        {
            // No Hangfire server: only this test's claims take messages.
            ["Hangfire:ServerEnabled"] = "false",
            ["Delivery:WakerEnabled"] = "false",
            ["Delivery:Priorities:test_digest"] = "Bulk",
            // A WB kind made high by configuration: the feature's default gives way.
            ["Delivery:Priorities:negative_review"] = "High",
        });

    public async Task DisposeAsync()
    {
        await worker.DisposeAsync();
        await PostgresServer.DropDatabaseAsync(worker.ConnectionString);
    }

    [Fact]
    public void Kinds_have_their_features_default_class_unless_configured()
    {
        var o = worker.Services.GetRequiredService<IOptions<DeliveryOptions>>().Value;
        o.PriorityOf("new_order").Should().Be(TelegramPriority.Bulk, "WB events are bulk by default");
        o.PriorityOf("wb_digest").Should().Be(TelegramPriority.Bulk, "so are their digests");
        o.PriorityOf("negative_review").Should().Be(TelegramPriority.High, "configured");
        o.PriorityOf("test_digest").Should().Be(TelegramPriority.Bulk, "configured");
        o.PriorityOf("mechanic_status_change").Should().Be(TelegramPriority.High, "a kind not listed is high");
        o.PriorityOf("BOOKING_1H").Should().Be(TelegramPriority.High);
    }

    [Fact]
    public async Task A_due_high_priority_message_is_claimed_before_an_older_bulk_backlog()
    {
        await WriteAsync(Enumerable.Range(0, 20).Select(i => new OutgoingMessage("test_digest", $"digest-{Guid.NewGuid():N}", TestWorker.NewChatId(), $"Сводка {i}") { Bulk = true }).ToList());
        await WriteAsync([new OutgoingMessage("test_notice", $"notice-{Guid.NewGuid():N}", TestWorker.NewChatId(), "Важно") { Bulk = true }]);

        var first = await worker.ClaimAsync(5);
        first.Messages.Should().HaveCount(5);
        first.Messages.Should().ContainSingle(m => m.Kind == "test_notice", "the high-priority message is claimed first although it was written after the bulk");
        var rest = await worker.ClaimAsync(100);
        rest.Messages.Should().HaveCount(16).And.OnlyContain(m => m.Kind == "test_digest");
    }

    private Task WriteAsync(IReadOnlyList<OutgoingMessage> messages) => worker.InScopeAsync(async sp =>
    {
        using var scope = DeliveryTransaction.Begin();
        await sp.GetRequiredService<DeliveryOutbox>().WriteAsync(messages, CancellationToken.None);
        scope.Complete();
        return 0;
    });
}
