using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using FelixHub.Core.Common;
using FelixHub.Core.Delivery;
using FelixHub.Core.Orders;
using FelixHub.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace FelixHub.Tests.Orders;

/// <summary>
/// A worker that also tells mechanics of their assignments and customers of every status change (the
/// customer's message shows that a change's messages went out).
/// </summary>
public sealed class CustomerStatusFixture : WorkerFixture
{
    protected override IDictionary<string, string?> Overrides => new Dictionary<string, string?>
    {
        ["Notifications:CustomerStatusEnabled"] = "true",
        ["Notifications:MechanicAssignmentEnabled"] = "true",
    };
}

/// <summary>A worker without a Hangfire server: messages stay in the ledger as written, for the test to look at.</summary>
public sealed class NoJobsFixture : WorkerFixture
{
    protected override IDictionary<string, string?> Overrides => new Dictionary<string, string?>
    {
        ["Hangfire:ServerEnabled"] = "false",
        ["Notifications:MechanicAssignmentEnabled"] = "true",
    };
}

internal static class MechanicDeactivation
{
    public static async Task<MechanicResponse> PatchMechanicAsync(this TestWorker worker, int id, object body)
    {
        var response = await worker.Http.PatchAsJsonAsync($"/api/mechanics/{id}", body);
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<MechanicResponse>())!;
    }

    public static Task<List<DeliveryMessage>> MessagesToMechanicAsync(this TestWorker worker, int mechanicId) =>
        worker.DbAsync(db => db.DeliveryMessages.AsNoTracking().Where(m => m.MechanicId == mechanicId).OrderBy(m => m.Id).ToListAsync());
}

/// <summary>Issue 24 §4: a deactivated mechanic gets no more notifications; their history stays.</summary>
public sealed class MechanicDeactivationTests(CustomerStatusFixture fixture) : IClassFixture<CustomerStatusFixture>
{
    private readonly TestWorker worker = fixture.Worker;
    private readonly FakeTelegramServer telegram = fixture.Telegram;

    private IReadOnlyList<TelegramCall> DeliveredTo(string chatId) => telegram.Delivered.Where(c => c.ChatId == chatId).ToList();

    [Fact]
    public async Task A_deactivated_mechanic_gets_nothing_on_a_status_change_and_keeps_their_history()
    {
        var chat = TestWorker.NewChatId();
        var customer = TestWorker.NewChatId();
        var mechanic = await worker.CreateMechanicAsync(chat, "Пётр");
        var order = await worker.CreateOrderAsync(mechanic.Id);
        (await worker.PatchOrderAsync(order.Id, new { customerTelegramId = customer })).EnsureSuccessStatusCode();
        await Eventually.Until(() => DeliveredTo(chat).Count == 1, "the assignment message, while the mechanic is active");

        var deactivated = await worker.PatchMechanicAsync(mechanic.Id, new { active = false });
        deactivated.Active.Should().BeFalse();
        deactivated.DeactivatedAt.Should().BeCloseTo(DateTimeOffset.UtcNow, TimeSpan.FromMinutes(1));

        await worker.ChangeStatusAsync(order.Id, OrderStatus.InProgress);
        await Eventually.Until(() => DeliveredTo(customer).Count == 1, "the customer's message of the same change");

        DeliveredTo(chat).Should().HaveCount(1, "nothing goes to a deactivated mechanic");
        (await worker.MessagesToMechanicAsync(mechanic.Id)).Should().ContainSingle("no message to them is even written")
            .Which.Kind.Should().Be("mechanic_assignment");
        await Eventually.Until(async () => (await worker.NotificationLogsAsync(order.Id)).Count == 2, "the two sends logged");
        (await worker.NotificationLogsAsync(order.Id)).Should().OnlyContain(l => l.Success, "a message not sent to a deactivated mechanic is no failure");

        var kept = await worker.Http.GetFromJsonAsync<OrderResponse>($"/api/orders/{order.Id}");
        kept!.AssignedMechanicId.Should().Be(mechanic.Id, "the order's history stays");
        (await worker.Http.GetFromJsonAsync<MechanicResponse>($"/api/mechanics/{mechanic.Id}"))!.Active.Should().BeFalse();
        var listed = await worker.Http.GetFromJsonAsync<Page<MechanicResponse>>("/api/mechanics?limit=1000");
        var row = listed!.Items.Should().ContainSingle(m => m.Id == mechanic.Id).Subject;
        row.Active.Should().BeFalse("listings show the state");
        row.DeactivatedAt.Should().BeCloseTo(deactivated.DeactivatedAt!.Value, TimeSpan.FromMilliseconds(1));

        var colleague = await worker.CreateMechanicAsync(null, "Иван");
        var onlyActive = await worker.Http.GetFromJsonAsync<Page<MechanicResponse>>("/api/mechanics?active=true&limit=1000");
        onlyActive!.Items.Should().Contain(m => m.Id == colleague.Id).And.NotContain(m => m.Id == mechanic.Id).And.OnlyContain(m => m.Active);
        var onlyDeactivated = await worker.Http.GetFromJsonAsync<Page<MechanicResponse>>("/api/mechanics?active=false&limit=1000");
        onlyDeactivated!.Items.Should().Contain(m => m.Id == mechanic.Id).And.OnlyContain(m => !m.Active);
    }
}

/// <summary>Deactivation and the ledger: what was waiting is cancelled; no new link, no new order.</summary>
public sealed class MechanicDeactivationLedgerTests(NoJobsFixture fixture) : IClassFixture<NoJobsFixture>
{
    private readonly TestWorker worker = fixture.Worker;

    [Fact]
    public async Task Deactivating_cancels_the_messages_to_the_mechanic_not_yet_sent_and_reactivating_lets_new_ones_through()
    {
        var mechanic = await worker.CreateMechanicAsync(TestWorker.NewChatId());
        var bystander = await worker.CreateMechanicAsync(TestWorker.NewChatId());
        var order = await worker.CreateOrderAsync(mechanic.Id);
        await worker.CreateOrderAsync(bystander.Id);
        await worker.ChangeStatusAsync(order.Id, OrderStatus.InProgress);
        (await worker.MessagesToMechanicAsync(mechanic.Id)).Should().HaveCount(2).And.OnlyContain(m => m.State == DeliveryStates.Pending);

        await worker.PatchMechanicAsync(mechanic.Id, new { active = false });

        (await worker.MessagesToMechanicAsync(mechanic.Id)).Should().OnlyContain(m => m.State == DeliveryStates.Cancelled, "waiting messages are not sent");
        (await worker.MessagesToMechanicAsync(bystander.Id)).Should().ContainSingle().Which.State.Should().Be(DeliveryStates.Pending, "other mechanics' messages are untouched");
        (await worker.DbAsync(db => db.NotificationLogs.CountAsync(l => l.MechanicId == mechanic.Id))).Should().Be(0, "nothing is recorded as a failure");
        await worker.ChangeStatusAsync(order.Id, OrderStatus.Ready);
        (await worker.MessagesToMechanicAsync(mechanic.Id)).Should().HaveCount(2, "nothing new is written for them");

        var again = await worker.PatchMechanicAsync(mechanic.Id, new { active = true });
        again.Should().BeEquivalentTo(new { Active = true, DeactivatedAt = (DateTimeOffset?)null });
        await worker.ChangeStatusAsync(order.Id, OrderStatus.InProgress);
        (await worker.MessagesToMechanicAsync(mechanic.Id)).Should().HaveCount(3).And.ContainSingle(m => m.State == DeliveryStates.Pending);
    }

    [Fact]
    public async Task A_deactivated_mechanic_gets_no_telegram_link_and_no_new_order()
    {
        var mechanic = await worker.CreateMechanicAsync(null);
        var theirs = await worker.CreateOrderAsync(mechanic.Id);
        var unassigned = await worker.CreateOrderAsync(null);
        await worker.PatchMechanicAsync(mechanic.Id, new { active = false });

        var link = await worker.Http.PostAsync($"/api/mechanics/{mechanic.Id}/telegram-link", null);
        link.StatusCode.Should().Be(HttpStatusCode.Conflict);
        link.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        (await worker.DbAsync(db => db.Set<FelixHub.Core.Bot.TelegramLinkToken>().CountAsync(t => t.MechanicId == mechanic.Id))).Should().Be(0);

        var created = await worker.Http.PostAsJsonAsync("/api/orders", new { carNumber = "AB1", category = "X", parts = new[] { "Фильтр" }, assignedMechanicId = mechanic.Id });
        created.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await created.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!["assignedMechanicId"]![0]!.GetValue<string>().Should().Contain("deactivated");
        (await worker.PatchOrderAsync(unassigned.Id, new { assignedMechanicId = mechanic.Id })).StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await worker.Http.GetFromJsonAsync<OrderResponse>($"/api/orders/{unassigned.Id}"))!.AssignedMechanicId.Should().BeNull();
        (await worker.PatchOrderAsync(theirs.Id, new { assignedMechanicId = mechanic.Id, status = OrderStatus.InProgress })).StatusCode
            .Should().Be(HttpStatusCode.OK, "an order already theirs stays theirs");

        await worker.PatchMechanicAsync(mechanic.Id, new { active = true });
        (await worker.Http.PostAsync($"/api/mechanics/{mechanic.Id}/telegram-link", null)).StatusCode.Should().Be(HttpStatusCode.Created);
    }

    [Fact]
    public async Task An_order_created_while_a_deactivation_is_committing_waits_for_it_and_is_refused()
    {
        var mechanic = await worker.CreateMechanicAsync(null);
        await using var connection = new Npgsql.NpgsqlConnection(worker.ConnectionString);
        await connection.OpenAsync();
        await using var deactivation = await connection.BeginTransactionAsync();
        await using (var update = new Npgsql.NpgsqlCommand("UPDATE mechanics SET active = false, deactivated_at = now() WHERE id = @id", connection, deactivation))
        {
            update.Parameters.AddWithValue("id", mechanic.Id);
            (await update.ExecuteNonQueryAsync()).Should().Be(1);
        }

        var creating = worker.Http.PostAsJsonAsync("/api/orders", new { carNumber = "AB2", category = "X", parts = new[] { "Фильтр" }, assignedMechanicId = mechanic.Id });
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        creating.IsCompleted.Should().BeFalse("the order waits for the deactivation holding the mechanic's row");
        await deactivation.CommitAsync();

        var created = await creating;
        created.StatusCode.Should().Be(HttpStatusCode.BadRequest, "the order sees the deactivation once it is committed");
        (await worker.DbAsync(db => db.Orders.CountAsync(o => o.AssignedMechanicId == mechanic.Id))).Should().Be(0);
    }
}
