using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using FelixHub.Core.Inbox;
using FelixHub.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace FelixHub.Tests.Inbox;

/// <summary>A socket must prove its user: a token signed with Inbox:TokenSecret, or the API key.</summary>
public sealed class InboxTokenAccessTests(InboxFixture fixture) : IClassFixture<InboxFixture>
{
    private readonly TestWorker worker = fixture.Worker;

    [Fact]
    public async Task Sockets_without_a_valid_token_for_their_user_are_refused()
    {
        var user = InboxApiClient.NewUser();
        var others = await worker.TokenAsync(InboxApiClient.NewUser());
        var good = await worker.TokenAsync(user);
        var expired = ExpiredToken(user);

        var refusals = new Dictionary<string, Uri>
        {
            ["no token"] = InboxSocket.Url(worker, user),
            ["another user's token"] = InboxSocket.Url(worker, user, token: others),
            ["a forged signature"] = InboxSocket.Url(worker, user, token: Tamper(good)),
            ["a later expiry under the old signature"] = InboxSocket.Url(worker, user, token: LaterExpiry(good)),
            ["garbage"] = InboxSocket.Url(worker, user, token: "garbage"),
            ["an expired token"] = InboxSocket.Url(worker, user, token: expired),
            ["an API key when none is configured"] = InboxSocket.Url(worker, user, apiKey: "guess"),
        };
        foreach (var (what, url) in refusals)
            (await InboxSocket.RefusalAsync(url)).Should().Be(HttpStatusCode.Unauthorized, what);
        (await InboxSocket.RefusalAsync(InboxSocket.Url(worker, userId: null, token: good))).Should().Be(HttpStatusCode.BadRequest, "no userId");
        (await InboxSocket.RefusalAsync(InboxSocket.Url(worker, "bad user!", token: good))).Should().Be(HttpStatusCode.BadRequest, "an invalid userId");
        worker.Logs.Containing("WebSocket refused").Should().NotBeEmpty();
        worker.Logs.AllText().Should().NotContain(InboxApiClient.TokenSecret);

        await using var accepted = await InboxSocket.ConnectAsync(worker, user, good);
        accepted.LastUnreadCount.Should().Be(0);
    }

    [Fact]
    public async Task A_plain_GET_of_the_socket_endpoint_is_a_400_problem()
    {
        var response = await worker.Http.GetAsync("/ws?userId=x");

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
    }

    [Fact]
    public async Task A_token_is_minted_for_a_valid_user_id_only()
    {
        var response = await worker.Http.PostAsJsonAsync("/api/inbox/tokens", new { userId = "tech 1" });
        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!["userId"].Should().NotBeNull();

        var minted = await worker.PostAsync<InboxTokenResponse>("/api/inbox/tokens", new { userId = 77 });
        minted.UserId.Should().Be("77");
        minted.Token.Should().StartWith("v1.");
        minted.ExpiresAt.Should().BeCloseTo(DateTimeOffset.UtcNow.AddMinutes(60), TimeSpan.FromMinutes(1));
    }

    /// <summary>The same token with one signature character changed (a middle one: every bit of it counts).</summary>
    private static string Tamper(string token)
    {
        var i = token.Length - 10;
        return token[..i] + (token[i] == 'A' ? 'B' : 'A') + token[(i + 1)..];
    }

    private static string LaterExpiry(string token)
    {
        var parts = token.Split('.');
        return $"{parts[0]}.{long.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) + 3600}.{parts[2]}";
    }

    private static string ExpiredToken(string user)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(-2));
        var options = new InboxOptions { TokenSecret = InboxApiClient.TokenSecret };
        return new InboxTokens(new StaticOptions(options), clock).Mint(user).Token;
    }

    private sealed class StaticOptions(InboxOptions value) : IOptionsMonitor<InboxOptions>
    {
        public InboxOptions CurrentValue => value;
        public InboxOptions Get(string? name) => value;
        public IDisposable? OnChange(Action<InboxOptions, string?> listener) => null;
    }
}

public sealed class ApiKeyFixture : WorkerFixture
{
    public const string Key = "inbox-test-api-key";

    protected override IDictionary<string, string?> Overrides => new Dictionary<string, string?> { ["Api:Key"] = Key };
}

/// <summary>With an API key and no token secret: trusted front-end servers connect with the key; tokens are off.</summary>
public sealed class InboxApiKeyAccessTests(ApiKeyFixture fixture) : IClassFixture<ApiKeyFixture>
{
    private readonly TestWorker worker = fixture.Worker;

    [Fact]
    public async Task The_API_key_opens_a_socket_for_any_user_and_nothing_else_does()
    {
        var user = InboxApiClient.NewUser();

        (await InboxSocket.RefusalAsync(InboxSocket.Url(worker, user))).Should().Be(HttpStatusCode.Unauthorized, "loopback is not enough once a key is set");
        (await InboxSocket.RefusalAsync(InboxSocket.Url(worker, user, apiKey: "wrong"))).Should().Be(HttpStatusCode.Unauthorized);
        (await InboxSocket.RefusalAsync(InboxSocket.Url(worker, user, token: "v1.1.x"))).Should().Be(HttpStatusCode.Unauthorized);

        using var socket = new System.Net.WebSockets.ClientWebSocket();
        socket.Options.SetRequestHeader("X-Api-Key", ApiKeyFixture.Key);
        await socket.ConnectAsync(InboxSocket.Url(worker, user), CancellationToken.None);
        socket.State.Should().Be(System.Net.WebSockets.WebSocketState.Open);
        await socket.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);

        await using var viaQuery = await InboxSocket.ConnectAsync(worker, user, token: null, apiKey: ApiKeyFixture.Key);
        viaQuery.LastUnreadCount.Should().Be(0);
        worker.Logs.AllText().Should().NotContain(ApiKeyFixture.Key);
    }

    [Fact]
    public async Task Minting_a_token_needs_the_key_and_a_configured_secret()
    {
        (await worker.Http.PostAsJsonAsync("/api/inbox/tokens", new { userId = "u1" })).StatusCode.Should().Be(HttpStatusCode.Unauthorized);

        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/inbox/tokens") { Content = JsonContent.Create(new { userId = "u1" }) };
        request.Headers.Add("X-Api-Key", ApiKeyFixture.Key);
        (await worker.Http.SendAsync(request)).StatusCode.Should().Be(HttpStatusCode.Conflict);
    }
}

/// <summary>Neither a key nor a secret: like /api, sockets are open to loopback callers.</summary>
public sealed class InboxOpenAccessTests(WorkerFixture fixture) : IClassFixture<WorkerFixture>
{
    [Fact]
    public async Task Without_key_or_secret_a_loopback_client_connects_unproven()
    {
        await using var socket = await InboxSocket.ConnectAsync(fixture.Worker, InboxApiClient.NewUser(), token: null);

        socket.LastUnreadCount.Should().Be(0);
    }

    [Fact]
    public async Task With_no_office_users_an_update_without_technician_is_saved_for_nobody_and_not_pushed()
    {
        var worker = fixture.Worker;

        var answer = await worker.UpdateAsync(await worker.CreateWorkOrderAsync(), new { status = "s", alertOffice = true });

        answer.Notifications.Should().HaveCount(2).And.OnlyContain(n => n.Recipients.Count == 0);
        worker.Logs.Containing("have no recipient").Should().NotBeEmpty();
        var ids = answer.Notifications.Select(n => n.Id).ToList();
        (await worker.DbAsync(db => db.Set<InboxNotification>().CountAsync(n => ids.Contains(n.Id) && n.PushedAt == null)))
            .Should().Be(2, "nothing to push for nobody");
    }
}
