using System.Net;
using System.Text.Json;
using FelixHub.Core.Delivery;
using FelixHub.Tests.Infrastructure;
using FelixHub.Tests.Orders;
using Microsoft.EntityFrameworkCore;

namespace FelixHub.Tests.Dashboard;

/// <summary>
/// FelixHub's pages in the Hangfire dashboard, in real headless Chromium against the running worker:
/// each page shows what the sample data holds, the filters work, bad input shows a message (never a
/// 500), and Resend sends a failed message again through the pipeline.
/// </summary>
public sealed class DashboardPagesBrowserTests(DashboardFixture fixture) : IClassFixture<DashboardFixture>
{
    private HeadlessChromium Browser => fixture.Chromium;
    private DashboardSample Sample => fixture.Sample;

    [Fact]
    public async Task The_navigation_bar_has_the_FelixHub_pages_beside_Hangfires()
    {
        await Browser.LoadAsync(fixture.Dashboard + "/recurring");
        var menu = await Js("Array.from(document.querySelectorAll('.navbar-nav a')).map(a => a.textContent.trim().split(/\\s+/)[0]).join(',')");
        menu.Should().Contain("Jobs").And.Contain("Messages").And.Contain("Health").And.Contain("Sellers").And.Contain("Bookings");
        // Hangfire's own POSTs (its statistics poll, its buttons) carry the anti-forgery header its script sets up.
        var poll = await Browser.EvaluateAsync("""
            new Promise(resolve => $.post('/hangfire/stats', { metrics: ['enqueued:count'] })
              .done(() => resolve('ok')).fail(x => resolve('failed ' + x.status)))
            """, awaitPromise: true);
        poll.Should().Be("ok");
        await Js("document.querySelector('.navbar-nav a[href$=\"/hangfire/messages\"]').click()");
        await Eventually.Until(async () => await Js("document.readyState === 'complete' && document.title") == "Messages – FelixHub jobs", "the Messages page to open from the menu");
        (await Js("document.querySelector('.navbar-nav li.active a').textContent.trim()")).Should().Be("Messages");
    }

    [Fact]
    public async Task Messages_are_listed_newest_first_with_counts_by_state()
    {
        await Open("/messages");
        var ids = await RowIds();
        ids.Should().HaveCount(50).And.BeInDescendingOrder();
        var newest = await fixture.Worker.DbAsync(db => db.Set<DeliveryMessage>().MaxAsync(m => m.Id));
        ids[0].Should().Be(newest);

        var inDatabase = await fixture.Worker.DbAsync(db => db.Set<DeliveryMessage>().GroupBy(m => m.State).Select(g => new { g.Key, Count = g.LongCount() }).ToListAsync());
        foreach (var state in DeliveryStates.All)
            (await StateCount(state)).Should().Be(inDatabase.FirstOrDefault(s => s.Key == state)?.Count ?? 0, $"the {state} count");
        (await StateCount("all")).Should().Be(inDatabase.Sum(s => s.Count));

        // Older pages go on from the last id; the state link keeps the other filters.
        await Js("document.querySelector('.message-pager a[rel=next]').click()");
        await Eventually.Until(async () => (await Js("location.search")) == $"?before={ids[^1]}", "the next page");
        await Eventually.Until(async () => (await RowIds()) is { Count: 50 } older && older.All(id => id < ids[^1]), "the next page's older messages");
    }

    [Fact]
    public async Task Filters_narrow_the_list_and_the_counts()
    {
        await Open($"/messages?order={Sample.ActiveOrderId}");
        (await RowIds()).Should().BeEquivalentTo([Sample.FailedCustomerMessageId, Sample.SentMechanicMessageId]);
        (await StateCount("all")).Should().Be(2);
        (await StateCount("sent")).Should().Be(1);
        (await StateCount("failed")).Should().Be(1);
        (await Text("#page-title")).Should().Contain($"order {Sample.ActiveOrderId}");
        (await Text("table.messages")).Should().Contain(DashboardSampleData.BlockedError);

        await Open("/messages?kind=negative_review&state=failed");
        (await RowIds()).Should().Equal(Sample.FailedWbMessageId);

        await Open($"/messages?cabinet={Sample.ActiveCabinetId}");
        (await RowIds()).Should().HaveCount(3);

        await Open($"/messages?booking={Sample.BookingId}&state=pending");
        (await RowIds()).Should().BeEquivalentTo([Sample.UpcomingReminderId, Sample.LateReminderId]);

        await Open($"/messages?chat={DashboardSampleData.CustomerChat}");
        (await RowIds()).Should().Equal(Sample.FailedCustomerMessageId);

        // The form: choose a state and submit, as a person would.
        await Open("/messages");
        await Js("document.querySelector('form.message-filter select[name=state]').value = 'failed'; document.querySelector('form.message-filter').submit()");
        await Eventually.Until(async () => await Js("location.search") == "?kind=&state=failed&chat=&order=&booking=&cabinet=&from=&to=&count=50", "the filter form to submit");
        await Eventually.Until(async () => await Js("document.readyState") == "complete", "the filtered page");
        var failed = await fixture.Worker.DbAsync(db => db.Set<DeliveryMessage>().LongCountAsync(m => m.State == DeliveryStates.Failed));
        (await Js("Array.from(document.querySelectorAll('tr.message-row .label')).every(l => l.textContent === 'failed')")).Should().Be("true");
        (await RowIds()).Should().HaveCount((int)Math.Min(50, failed));

        // A time range: the history's messages are hours old, the sample's own ones minutes.
        var since = DateTimeOffset.UtcNow.AddMinutes(-50).ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture);
        await Open($"/messages?order={Sample.ActiveOrderId}&from={Uri.EscapeDataString(since)}");
        (await RowIds()).Should().HaveCount(2);
        await Open($"/messages?order={Sample.ActiveOrderId}&to=2020-01-01");
        (await Text(".no-messages")).Should().Contain("No messages match");
    }

    [Theory]
    [InlineData("from=2026-13-45", "\"2026-13-45\" is not a date")]
    [InlineData("to=yesterday", "\"yesterday\" is not a date")]
    [InlineData("state=lost", "Unknown state \"lost\"")]
    [InlineData("order=abc", "Order \"abc\" is not an id")]
    [InlineData("chat=%3Cscript%3E", "Chat \"<script>\" is not a Telegram chat id")]
    [InlineData("from=2026-12-06&to=2026-12-01", "ends before it starts")]
    [InlineData("count=7", "Page size \"7\" is not one of")]
    public async Task Bad_filter_input_shows_a_message_on_the_page_not_an_error(string query, string message)
    {
        var response = await fixture.Worker.Http.GetAsync("/hangfire/messages?" + query);
        response.StatusCode.Should().Be(HttpStatusCode.OK);

        await Open("/messages?" + query);
        (await Text(".input-errors")).Should().Contain(message);
        (await RowIds()).Should().NotBeEmpty("the list is shown without the filter that could not be read");
    }

    [Fact]
    public async Task Other_pages_refuse_bad_input_the_same_way()
    {
        await Open("/health?range=month");
        (await Text(".input-errors")).Should().Contain("Unknown range \"month\"");
        await Open("/sellers?from=-4");
        (await Text(".input-errors")).Should().Contain("is not a position");
        (await fixture.Worker.Http.GetAsync("/hangfire/messages/123456789012")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        await Open("/messages/123456789012");
        (await Text(".not-found")).Should().Contain("There is no message #123456789012");
    }

    [Fact]
    public async Task A_message_page_shows_its_text_as_sent_its_attempts_and_its_job()
    {
        await Open($"/messages/{Sample.FailedCustomerMessageId}");
        // Telegram HTML is shown as text, escaped: the tags are visible, nothing is interpreted.
        (await Text("pre.message-text")).Should().Be($"Ваш заказ #{Sample.ActiveOrderId} (В456ОР99): «в работе» <i>&amp; скоро будет готов</i>");
        (await Js("document.querySelectorAll('pre.message-text i').length")).Should().Be("0");
        (await Text(".failure")).Should().Contain(DashboardSampleData.BlockedError);
        (await Js("document.querySelectorAll('tr.attempt').length")).Should().Be("1");
        (await Text("tr.attempt .attempt-error")).Should().Be(DashboardSampleData.BlockedError);
        (await Text(".message-details")).Should().Contain($"Order\t{Sample.ActiveOrderId}").And.Contain("customer_status_change");
        (await Text(".job-link")).Should().Be("#9002");
        (await Text(".job-state")).Should().Contain("expired");
        (await Js("document.getElementById('resend') !== null")).Should().Be("true");

        await Open($"/messages/{Sample.SentMechanicMessageId}");
        (await Text("h1 .label")).Should().Be("sent");
        (await Js("document.getElementById('resend') === null")).Should().Be("true", "only a failed message can be resent");
        (await Text("tr.attempt")).Should().Contain("delivered");
    }

    [Fact]
    public async Task Resend_sends_a_failed_message_again_through_its_job()
    {
        var worker = fixture.Worker;
        var chat = TestWorker.NewChatId();
        fixture.Telegram.Respond(call => call.ChatId == chat ? FakeReply.Blocked : null);
        DeliveryMessage failed;
        try
        {
            var mechanic = await worker.CreateMechanicAsync(chat);
            var order = await worker.CreateOrderAsync(mechanic.Id);
            await worker.ChangeStatusAsync(order.Id, "в работе");
            failed = null!;
            await Eventually.Until(async () =>
            {
                failed = (await worker.DbAsync(db => db.Set<DeliveryMessage>().AsNoTracking()
                    .FirstOrDefaultAsync(m => m.OrderId == order.Id && m.ChatId == chat && m.Kind == "mechanic_status_change")))!;
                return failed?.State == DeliveryStates.Failed;
            }, "the mechanic's message to fail (the bot is blocked)");
        }
        finally
        {
            fixture.Telegram.Reset();
        }
        failed.JobId.Should().NotBeNull();

        // The mechanic unblocked the bot; the operator opens the message and presses Resend.
        await Open($"/messages/{failed.Id}");
        (await Text(".failure")).Should().Contain("bot was blocked");
        await Js("document.getElementById('resend').click()");
        await Eventually.Until(() => fixture.Telegram.Delivered.Any(c => c.ChatId == chat), "the fake Telegram to receive the resent message");
        await Eventually.Until(async () => (await worker.DbAsync(db => db.Set<DeliveryMessage>().AsNoTracking().SingleAsync(m => m.Id == failed.Id))).State == DeliveryStates.Sent,
            "the message to be sent");

        var after = await worker.DbAsync(db => db.Set<DeliveryMessage>().AsNoTracking().SingleAsync(m => m.Id == failed.Id));
        after.JobId.Should().Be(failed.JobId, "its own job was requeued");
        (await worker.DbAsync(db => db.Set<DeliveryMessage>().CountAsync(m => m.OrderId == failed.OrderId && m.Kind == failed.Kind))).Should().Be(1, "no second ledger row");
        fixture.Telegram.Delivered.Count(c => c.ChatId == chat).Should().Be(1);
        var audit = worker.Logs.Containing($"Message {failed.Id} resent from the dashboard by").Should().ContainSingle().Subject;
        audit.Property("User").Should().Be("trusted network 127.0.0.1");
        audit.Property("Time").Should().EndWith("UTC");

        await Open($"/messages/{failed.Id}");
        (await Text("h1 .label")).Should().Be("sent");
        (await Js("document.querySelectorAll('tr.attempt').length")).Should().Be("2");
        (await Js("document.getElementById('resend') === null")).Should().Be("true");
    }

    [Fact]
    public async Task Resend_sends_a_failed_reminder_again_with_the_next_dispatch_run()
    {
        await Open($"/messages/{Sample.FailedReminderId}");
        (await Text(".message-details")).Should().Contain("delivery-dispatch");
        await Js("document.getElementById('resend').click()");
        await Eventually.Until(() => fixture.Telegram.Delivered.Any(c => c.ChatId == Sample.FailedReminderChat), "the fake Telegram to receive the reminder");
        fixture.Telegram.Delivered.Single(c => c.ChatId == Sample.FailedReminderChat).Text.Should().Contain("Закончилось");
        await Eventually.Until(async () => (await fixture.Worker.DbAsync(db => db.Set<DeliveryMessage>().AsNoTracking().SingleAsync(m => m.Id == Sample.FailedReminderId))).State == DeliveryStates.Sent,
            "the reminder to be sent");
        var after = await fixture.Worker.DbAsync(db => db.Set<DeliveryMessage>().AsNoTracking().SingleAsync(m => m.Id == Sample.FailedReminderId));
        after.Attempts.Should().Be(1, "a resend starts the dispatch path's attempts again");
        after.NextAttemptAt.Should().BeNull();
    }

    [Fact]
    public async Task Resend_is_a_POST_with_the_dashboards_token_and_only_for_a_failed_message()
    {
        await Open($"/messages/{Sample.SentMechanicMessageId}");
        var sent = await PostFromPage($"/hangfire/messages/{Sample.SentMechanicMessageId}/resend");
        sent.Should().StartWith("409").And.Contain("only a failed message can be resent");
        (await PostFromPage("/hangfire/messages/123456789/resend")).Should().StartWith("404");

        // Without the anti-forgery token (a cross-site form) Hangfire refuses it, like its own buttons' POSTs.
        var forged = await fixture.Worker.Http.PostAsync($"/hangfire/messages/{Sample.FailedWbMessageId}/resend", null);
        forged.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await fixture.Worker.Http.GetAsync($"/hangfire/messages/{Sample.FailedWbMessageId}/resend")).StatusCode.Should().Be(HttpStatusCode.MethodNotAllowed);
        (await fixture.Worker.DbAsync(db => db.Set<DeliveryMessage>().AsNoTracking().SingleAsync(m => m.Id == Sample.FailedWbMessageId))).State.Should().Be(DeliveryStates.Failed);
    }

    [Fact]
    public async Task The_health_page_draws_the_last_day_per_hour_and_shows_alerts_breakers_and_stuck_orders()
    {
        await Open("/health");
        (await Js("document.querySelectorAll('svg.hourly-chart g.hour').length")).Should().Be("24");
        (await Js("document.querySelectorAll('svg.hourly-chart rect.bar-failed').length")).Should().NotBe("0");
        (await Js("document.querySelectorAll('script[src^=\"http\"], link[href^=\"http\"]').length")).Should().Be("0", "nothing comes from a CDN");

        // The chart and the table hold what the ledger holds from the chart's first hour on.
        var firstHour = await Js("document.querySelector('svg.hourly-chart g.hour').dataset.hour");
        var from = DateTimeOffset.ParseExact(firstHour + ":00:00Z", "yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
        var expected = await fixture.Worker.DbAsync(db => db.Set<DeliveryMessage>()
            .Where(m => m.FinishedAt >= from && (m.State == DeliveryStates.Sent || m.State == DeliveryStates.Failed))
            .GroupBy(m => m.State).Select(g => new { g.Key, Count = g.LongCount() }).ToListAsync());
        var chartSent = await Js("Array.from(document.querySelectorAll('svg.hourly-chart g.hour')).reduce((s, g) => s + Number(g.dataset.sent), 0)");
        var chartFailed = await Js("Array.from(document.querySelectorAll('svg.hourly-chart g.hour')).reduce((s, g) => s + Number(g.dataset.failed), 0)");
        chartSent.Should().Be(expected.Single(e => e.Key == "sent").Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        chartFailed.Should().Be(expected.Single(e => e.Key == "failed").Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        (await Text(".window-totals")).Should().Contain(expected.Sum(e => e.Count).ToString("N0", System.Globalization.CultureInfo.InvariantCulture) + " messages finished");
        (await Text("table.by-kind")).Should().Contain("customer_status_change").And.Contain("negative_review");

        (await Text("tr.alert-row[data-rule=stuck_orders]")).Should().Contain("warning").And.Contain("24");
        (await Text(".thresholds")).Should().Contain("below 99 % is a warning").And.Contain("below 95 % critical");
        (await Text("tr.breaker[data-breaker=telegram]")).Should().Contain("closed");
        (await Js("Array.from(document.querySelectorAll('tr.stuck-order')).map(r => r.dataset.order).join(',')")).Should().Be(Sample.StuckOrderId.ToString(System.Globalization.CultureInfo.InvariantCulture));

        await Open("/health?range=7d&kind=new_order");
        (await Js("document.querySelectorAll('svg.hourly-chart g.hour').length")).Should().Be("168");
        (await Js("Array.from(document.querySelectorAll('table.by-kind tr[data-kind]')).map(r => r.dataset.kind).join(',')")).Should().Be("new_order");
    }

    [Fact]
    public async Task The_sellers_page_shows_each_cabinets_sync_state_and_never_its_key()
    {
        await Open("/sellers");
        (await Js("Array.from(document.querySelectorAll('tr.cabinet')).map(r => r.dataset.cabinet).join(',')")).Should().Be(
            $"{Sample.ActiveCabinetId},{Sample.RejectedCabinetId},{Sample.SyncingCabinetId}");
        var active = await Text($"tr.cabinet[data-cabinet='{Sample.ActiveCabinetId}']");
        active.Should().Contain("active").And.Contain("555002, 555010, 555011").And.Contain("succeeded");
        (await Text($"tr.cabinet[data-cabinet='{Sample.ActiveCabinetId}'] .users")).Should().StartWith("3");
        (await Text($"tr.cabinet[data-cabinet='{Sample.ActiveCabinetId}'] .off-categories")).Should().Be("without content", "WB refused it Content");
        (await Js($"document.querySelectorAll(\"tr.cabinet[data-cabinet='{Sample.SyncingCabinetId}'] .off-categories\").length + ''")).Should().Be("0");
        (await Text($"tr.cabinet[data-cabinet='{Sample.ActiveCabinetId}'] .key-expiry")).Should().MatchRegex(@"^\d{4}-\d{2}-\d{2}$");
        (await Text($"tr.cabinet[data-cabinet='{Sample.ActiveCabinetId}'] .next-sync")).Should().MatchRegex(@"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC");
        var rejected = await Text($"tr.cabinet[data-cabinet='{Sample.RejectedCabinetId}']");
        rejected.Should().Contain("key-rejected").And.Contain("token is revoked").And.Contain("expired");
        (await Text($"tr.cabinet[data-cabinet='{Sample.SyncingCabinetId}'] .next-sync")).Should().Contain("running now");
        (await Js("document.documentElement.outerHTML")).Should().NotContain(Sample.CabinetKeySecret);
    }

    [Fact]
    public async Task The_bookings_page_shows_the_reminders_due_within_the_hour_and_the_late_ones()
    {
        await Open("/bookings");
        (await Js("Array.from(document.querySelectorAll('.late-reminders tr.reminder')).map(r => r.dataset.id).join(',')")).Should().Be(
            Sample.LateReminderId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        (await Text(".late-reminders")).Should().Contain("BOOKING_START").And.Contain("Internal Server Error").And.Contain("12 min");
        (await Js("Array.from(document.querySelectorAll('.upcoming-reminders tr.reminder')).map(r => r.dataset.id).join(',')")).Should().Be(
            Sample.UpcomingReminderId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        (await Text(".upcoming-reminders")).Should().Contain("BOOKING_1H").And.Contain("Переговорная «Волга»").And.Contain("Мария");
    }

    private async Task Open(string path)
    {
        await Browser.LoadAsync(fixture.Dashboard + path);
        (await Js("document.title")).Should().EndWith("FelixHub jobs", "the page is inside Hangfire's layout");
    }

    private Task<string?> Js(string expression) => Browser.EvaluateAsync(expression);

    private async Task<string> Text(string selector) =>
        await Js($"(document.querySelector({JsonSerializer.Serialize(selector)}) || {{ innerText: '<missing {selector.Replace("'", "", StringComparison.Ordinal)}>' }}).innerText.trim()") ?? "";

    private async Task<List<long>> RowIds()
    {
        var ids = await Js("Array.from(document.querySelectorAll('tr.message-row')).map(r => r.dataset.id).join(',')") ?? "";
        return ids.Length == 0 ? [] : ids.Split(',').Select(long.Parse).ToList();
    }

    private async Task<long> StateCount(string state) =>
        long.Parse((await Text($"[data-state={state}] .state-count")).Replace(",", "", StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A POST from the page with the dashboard's anti-forgery header, as Hangfire's own buttons send it; "status text".</summary>
    private Task<string?> PostFromPage(string path) => Browser.EvaluateAsync($$"""
        (async () => {
          const header = document.querySelector('meta[name="csrf-header"]').content;
          const token = document.querySelector('meta[name="csrf-token"]').content;
          const response = await fetch({{JsonSerializer.Serialize(path)}}, { method: 'POST', headers: { [header]: token } });
          return response.status + ' ' + await response.text();
        })()
        """, awaitPromise: true);
}
