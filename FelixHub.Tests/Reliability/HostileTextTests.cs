using System.Text.RegularExpressions;
using FelixHub.Core.Orders;
using FelixHub.Tests.Infrastructure;
using FelixHub.Tests.Orders;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace FelixHub.Tests.Reliability;

/// <summary>SQL and markup in text fields: stored as typed, harmless to the database, and sent to Telegram as text.</summary>
public sealed partial class HostileTextTests(WorkerFixture fixture) : IClassFixture<WorkerFixture>
{
    private static readonly string[] HostileParts =
    [
        "<b>", "_*[", "</a><a href=\"javascript:alert(1)\">click</a>", "&lt;already escaped&gt;", "Tom & \"Jerry\" 'n' <Co>",
        "'); DROP TABLE orders; --", "*bold* __italic__ `code` ~strike~ ||spoiler||", "\u202eright-to-left",
    ];

    [Fact]
    public async Task SQL_and_markup_in_every_text_field_are_stored_as_typed_and_the_tables_survive()
    {
        var worker = fixture.Worker;
        var mechanic = await worker.CreateMechanicAsync(TestWorker.NewChatId(), name: "Robert'); DROP TABLE mechanics;--");
        var order = await worker.CreateOrderAsync(mechanic.Id, parts: HostileParts, carNumber: "1' OR '1'='1", category: "<script>x</script>");

        var stored = await worker.DbAsync(db => db.Orders.AsNoTracking().Include(o => o.AssignedMechanic).SingleAsync(o => o.Id == order.Id));
        stored.CarNumber.Should().Be("1' OR '1'='1");
        stored.Category.Should().Be("<script>x</script>");
        stored.Parts.Should().Equal(HostileParts);
        stored.AssignedMechanic!.Name.Should().Be("Robert'); DROP TABLE mechanics;--");

        await using var connection = new NpgsqlConnection(worker.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM information_schema.tables WHERE table_name IN ('orders', 'mechanics')", connection);
        ((long)(await command.ExecuteScalarAsync())!).Should().Be(2);
    }

    [Fact]
    public async Task Markup_in_an_order_reaches_Telegram_escaped_so_the_only_tag_is_our_link()
    {
        var (worker, telegram) = (fixture.Worker, fixture.Telegram);
        var chatId = TestWorker.NewChatId();
        var mechanic = await worker.CreateMechanicAsync(chatId);
        var order = await worker.CreateOrderAsync(mechanic.Id, parts: HostileParts, carNumber: "<i>A&B</i>", category: "_*[`</a>");

        await worker.ChangeStatusAsync(order.Id, OrderStatus.InProgress);

        await Eventually.Until(() => telegram.Delivered.Any(c => c.ChatId == chatId), "the message");
        var message = telegram.Delivered.Single(c => c.ChatId == chatId);
        message.ParseMode.Should().BeEquivalentTo("HTML");
        var text = message.Text!;

        // Telegram's HTML mode: the only tag is the order link we wrote; every '&' starts an entity.
        Tags().Matches(text).Select(m => m.Value).Should().Equal(
            $"<a href=\"https://felix.example/mechanic/orders/{order.Id}\">", "</a>");
        var bareAmpersands = Ampersands().Matches(text).Count(m => !Entities().IsMatch(text.Substring(m.Index)));
        bareAmpersands.Should().Be(0, "a bare '&' would break Telegram's parser");
        text.Should().Contain("  • &lt;b&gt;\n").And.Contain("  • _*[\n")
            .And.Contain("  • &lt;/a&gt;&lt;a href=&quot;javascript:alert(1)&quot;&gt;click&lt;/a&gt;\n")
            .And.Contain("  • &amp;lt;already escaped&amp;gt;\n")
            .And.Contain("Номер авто: &lt;i&gt;A&amp;B&lt;/i&gt;")
            .And.Contain("Категория: _*[`&lt;/a&gt;")
            .And.Contain("  • *bold* __italic__ `code` ~strike~ ||spoiler||\n");
    }

    [GeneratedRegex("<[^>]*>")]
    private static partial Regex Tags();

    [GeneratedRegex("&")]
    private static partial Regex Ampersands();

    [GeneratedRegex("^&(lt|gt|amp|quot);")]
    private static partial Regex Entities();
}
