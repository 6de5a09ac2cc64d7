using System.Net.Http.Json;
using FelixHub.Tests.Infrastructure;
using FelixHub.Tests.Orders;

namespace FelixHub.Tests.Inbox;

public sealed class OfficeUserFixture : WorkerFixture
{
    public const string OfficeUser = "office-1";

    protected override IDictionary<string, string?> Overrides => new Dictionary<string, string?> { ["Inbox:OfficeUserIds:0"] = OfficeUser };
}

/// <summary>
/// Seed 002's front-end code — the office platform's socket hook and the technician app's
/// <c>handleNotificationUpdate</c> — in real headless Chromium against the running worker.
/// </summary>
public sealed class OfficePlatformBrowserTests(OfficeUserFixture fixture) : IClassFixture<OfficeUserFixture>
{
    // The seed's handlers, as plain JavaScript (the seed wraps them in React hooks); only the URL
    // differs: the user is named (loopback needs no proof when no key or token secret is configured).
    private static string Page(string socketUrl) => $$"""
        <!doctype html><html><head><meta charset="utf-8"><title>connecting</title></head>
        <body><span id="badge"></span><ul id="notifications"></ul>
        <script>
          let notifications = [];
          let unreadCount = 0;
          const render = () => {
            document.getElementById('badge').textContent = unreadCount > 0 ? String(unreadCount) : '';
            document.getElementById('notifications').innerHTML =
              notifications.map(n => '<li>' + n.type + ': ' + n.message + '</li>').join('');
          };
          const handleNotificationUpdate = (data) => {
            if (data.notification) { notifications = [...notifications, data.notification]; }
            if (typeof data.unread_count === 'number') { unreadCount = data.unread_count; }
            render();
          };
          const connect = () => {
            const socket = new WebSocket('{{socketUrl}}');
            socket.onopen = () => { document.title = 'connected'; console.log('WebSocket connected'); };
            socket.onmessage = (event) => {
              const data = JSON.parse(event.data);
              if (data.type === 'dashboard.notification.update') { handleNotificationUpdate(data.data); }
            };
            socket.onclose = () => { document.title = 'reconnecting'; setTimeout(connect, 5000); };
            socket.onerror = (error) => { console.error('WebSocket error:', error); };
          };
          connect();
        </script></body></html>
        """;

    [Fact]
    public async Task The_seeds_office_snippet_in_Chromium_shows_the_event_and_the_badge()
    {
        var worker = fixture.Worker;
        var order = await worker.CreateOrderAsync(mechanicId: null);
        var socketUrl = worker.Http.BaseAddress!.ToString().Replace("http://", "ws://", StringComparison.Ordinal).TrimEnd('/')
            + $"/ws?userId={OfficeUserFixture.OfficeUser}";
        var file = Path.Combine(Path.GetTempPath(), $"felixhub-office-{Guid.NewGuid():N}.html");
        await File.WriteAllTextAsync(file, Page(socketUrl));
        await using var chromium = await HeadlessChromium.StartAsync();

        await chromium.NavigateAsync(new Uri(file).AbsoluteUri);
        await Eventually.Until(async () => await chromium.EvaluateAsync("document.title") == "connected", "the page's socket to open");

        var response = await worker.Http.PostAsJsonAsync($"/api/work-orders/{order.Id}/updates",
            new { status = "в работе", issues = "Течь масла", alertOffice = true });
        response.IsSuccessStatusCode.Should().BeTrue();

        await Eventually.Until(async () => (await chromium.EvaluateAsync("document.querySelectorAll('#notifications li').length")) == "3",
            "the three notifications in the page");
        var items = await chromium.EvaluateAsync("document.getElementById('notifications').innerText");
        items.Should().Contain($"status_update: Work order {order.Id} status updated to: в работе")
            .And.Contain($"issue_detected: Issue reported for work order {order.Id}: Течь масла")
            .And.Contain($"office_alert: Office alert requested for work order {order.Id}");
        (await chromium.EvaluateAsync("document.getElementById('badge').textContent")).Should().Be("3");
        File.Delete(file);
    }
}
