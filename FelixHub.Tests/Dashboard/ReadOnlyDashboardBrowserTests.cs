using System.Net;
using FelixHub.Core.Delivery;
using FelixHub.Tests.Monitoring;
using Microsoft.EntityFrameworkCore;

namespace FelixHub.Tests.Dashboard;

/// <summary>
/// The FelixHub pages under the dashboard's access rules: <c>Dashboard:ReadOnly</c> hides Resend and
/// refuses its POST; outside the trusted networks the pages want the dashboard's credentials.
/// </summary>
public sealed class ReadOnlyDashboardBrowserTests(ReadOnlyDashboardFixture fixture) : IClassFixture<ReadOnlyDashboardFixture>
{
    [Fact]
    public async Task In_read_only_mode_Resend_is_absent_and_its_POST_is_refused()
    {
        var id = fixture.Sample.FailedCustomerMessageId;
        await fixture.Chromium.LoadAsync($"{fixture.Dashboard}/messages/{id}");
        (await fixture.Chromium.EvaluateAsync("document.querySelector('h1 .label').textContent")).Should().Be("failed");
        (await fixture.Chromium.EvaluateAsync("document.getElementById('resend') === null")).Should().Be("true");
        (await fixture.Chromium.EvaluateAsync("document.querySelector('.failure').innerText")).Should().Contain("read-only");

        // Even with the dashboard's own anti-forgery token, the POST is refused.
        var answer = await fixture.Chromium.EvaluateAsync($$"""
            (async () => {
              const header = document.querySelector('meta[name="csrf-header"]').content;
              const token = document.querySelector('meta[name="csrf-token"]').content;
              const response = await fetch('/hangfire/messages/{{id}}/resend', { method: 'POST', headers: { [header]: token } });
              return response.status + ' ' + await response.text();
            })()
            """, awaitPromise: true);
        answer.Should().StartWith("403").And.Contain("read-only");
        (await fixture.Worker.DbAsync(db => db.Set<DeliveryMessage>().AsNoTracking().SingleAsync(m => m.Id == id))).State.Should().Be(DeliveryStates.Failed);
        fixture.Worker.Logs.Containing("resent from the dashboard").Should().BeEmpty();
    }

    [Fact]
    public async Task Outside_the_trusted_networks_the_pages_want_the_dashboard_credentials()
    {
        using var outsider = Outsider.Client(fixture.Worker.Http.BaseAddress!);
        foreach (var path in new[] { "/hangfire/messages", "/hangfire/health", "/hangfire/sellers", "/hangfire/bookings", $"/hangfire/messages/{fixture.Sample.FailedWbMessageId}" })
        {
            (await outsider.GetAsync(path)).StatusCode.Should().Be(HttpStatusCode.Unauthorized, path);
            using var request = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { Authorization = Outsider.Basic(ReadOnlyDashboardFixture.User, ReadOnlyDashboardFixture.Password) } };
            var response = await outsider.SendAsync(request);
            response.StatusCode.Should().Be(HttpStatusCode.OK, path);
            (await response.Content.ReadAsStringAsync()).Should().Contain("FelixHub jobs");
        }
        (await outsider.PostAsync($"/hangfire/messages/{fixture.Sample.FailedWbMessageId}/resend", null)).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }
}
