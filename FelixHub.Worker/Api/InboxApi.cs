using FelixHub.Core.Inbox;
using FelixHub.Worker.Inbox;

namespace FelixHub.Worker.Api;

/// <summary>In-app notifications: the <c>/ws</c> socket and the inbox API (HTTP API v1, listed in docs/http-api.md).</summary>
public static class InboxApi
{
    public static WebApplication MapInboxApi(this WebApplication app)
    {
        app.UseWebSockets();
        app.Map(InboxSocketEndpoint.Path, (HttpContext http, InboxSocketEndpoint socket) => socket.HandleAsync(http));

        var api = app.MapApi();

        api.MapPost("/work-orders/{id:int}/updates", async (int id, WorkOrderUpdateRequest body, InboxService inbox, CancellationToken ct) =>
            Results.Accepted(value: await inbox.PostWorkOrderUpdateAsync(id, body, ct)));

        api.MapPost("/manual-notifications", async (ManualNotificationRequest body, InboxService inbox, CancellationToken ct) =>
            Results.Created((string?)null, await inbox.CreateManualAsync(body, ct)));

        api.MapGet("/inbox", async (string? userId, bool? unreadOnly, int? limit, InboxService inbox, CancellationToken ct) =>
            Results.Ok(await inbox.ListAsync(userId, unreadOnly ?? false, limit ?? 50, ct)));

        api.MapPost("/inbox/{notificationId:guid}/read", async (Guid notificationId, string? userId, MarkReadRequest? body, InboxService inbox, CancellationToken ct) =>
        {
            if (userId is not null && body?.UserId is not null && userId != body.UserId)
                throw Core.Common.RequestValidationException.For("userId", "The query and the body name different users.");
            return Results.Ok(await inbox.MarkReadAsync(notificationId, userId ?? body?.UserId, ct));
        });

        api.MapPost("/inbox/tokens", (InboxTokenRequest body, InboxTokens tokens) =>
        {
            if (!InboxUserId.IsValid(body.UserId))
                throw Core.Common.RequestValidationException.For("userId", $"'userId' must be 1-{InboxUserId.MaxLength} characters of A-Z a-z 0-9 . _ : @ -");
            if (!tokens.Enabled)
                return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Socket tokens are not enabled.",
                    detail: "Set Inbox:TokenSecret (at least 32 characters) to mint tokens.");
            return Results.Ok(tokens.Mint(body.UserId!));
        });

        return app;
    }
}
