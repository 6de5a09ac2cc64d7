using System.ComponentModel;
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

        var api = app.MapApi().MapGroup("").WithTags("In-app notifications");

        api.MapPost("/work-orders/{id:int}/updates", async (int id, WorkOrderUpdateRequest body, InboxService inbox, CancellationToken ct) =>
            Results.Accepted(value: await inbox.PostWorkOrderUpdateAsync(id, body, ct)))
            .Idempotent()
            .WithName("PostWorkOrderUpdate")
            .WithSummary("Report a work order's status, notes and issues")
            .WithDescription("Notifies the office users (Inbox:OfficeUserIds) and the work order's technician: a status update, an issue if `issues` is set, an office alert if `alertOffice` is true. Answers the notifications created.")
            .Produces<WorkOrderUpdateResponse>(StatusCodes.Status202Accepted)
            .Answers(StatusCodes.Status400BadRequest, "`status` is missing, or a field is too long or of the wrong shape.")
            .Answers(StatusCodes.Status404NotFound, "No work order has this id.");

        api.MapPost("/manual-notifications", async (ManualNotificationRequest body, InboxService inbox, CancellationToken ct) =>
            Results.Created((string?)null, await inbox.CreateManualAsync(body, ct)))
            .Idempotent()
            .WithName("CreateManualNotification")
            .WithSummary("Send one notification to one technician")
            .WithDescription("`priority` is `low`, `normal`, `high` or `urgent` (default `normal`).")
            .Produces<CreatedNotificationResponse>(StatusCodes.Status201Created)
            .Answers(StatusCodes.Status400BadRequest, "`technicianId` or `message` is missing, or `priority` is unknown.");

        api.MapPost("/alerts", async (AlertRequest body, InboxService inbox, CancellationToken ct) =>
            Results.Created((string?)null, await inbox.CreateAlertAsync(body, ct)))
            .Idempotent()
            .WithName("CreateAlert")
            .WithSummary("Raise an equipment or inventory alert")
            .WithDescription("`type` is `equipment_alert` or `inventory_alert`; `priority` is `low`, `normal`, `high` or `urgent` (default `normal`). " +
                "It goes to the users in `recipientIds` and, with `office: true`, to every office user (Inbox:OfficeUserIds): at least one of the two. " +
                "`workOrderId`, when given, must name an order. It reaches sockets and inboxes like every other notification.")
            .Produces<CreatedNotificationResponse>(StatusCodes.Status201Created)
            .Answers(StatusCodes.Status400BadRequest, "An unknown `type` or `priority`, no `message`, no recipient, a recipient id that is not a user id, or a `workOrderId` that names no order.");

        api.MapGet("/inbox", async (
            [Description("Whose inbox (required).")] string? userId,
            [Description("Only unread notifications (default false).")] bool? unreadOnly,
            [Description("At most this many, newest first (default 50).")] int? limit,
            InboxService inbox, CancellationToken ct) =>
            Results.Ok(await inbox.ListAsync(userId, unreadOnly ?? false, limit ?? 50, ct)))
            .WithName("ListInbox")
            .WithSummary("List a user's notifications")
            .Produces<InboxListResponse>()
            .Answers(StatusCodes.Status400BadRequest, "`userId` is missing or not a user id, or `limit` is out of range.");

        api.MapPost("/inbox/{notificationId:guid}/read", async (Guid notificationId,
            [Description("The reader; or give it in the body as `userId`.")] string? userId,
            MarkReadRequest? body, InboxService inbox, CancellationToken ct) =>
        {
            if (userId is not null && body?.UserId is not null && userId != body.UserId)
                throw Core.Common.RequestValidationException.For("userId", "The query and the body name different users.");
            return Results.Ok(await inbox.MarkReadAsync(notificationId, userId ?? body?.UserId, ct));
        })
            .WithName("MarkNotificationRead")
            .WithSummary("Mark a notification read for a user")
            .WithDescription("The user is named in the query or in the body (not both with different ids). Answers the user's unread count.")
            .Produces<UnreadCountResponse>()
            .Answers(StatusCodes.Status400BadRequest, "No user is named, or the query and the body name different users.")
            .Answers(StatusCodes.Status404NotFound, "No notification has this id for this user.");

        api.MapPost("/inbox/tokens", (InboxTokenRequest body, InboxTokens tokens) =>
        {
            if (!InboxUserId.IsValid(body.UserId))
                throw Core.Common.RequestValidationException.For("userId", $"'userId' must be 1-{InboxUserId.MaxLength} characters of A-Z a-z 0-9 . _ : @ -");
            if (!tokens.Enabled)
                return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Socket tokens are not enabled.",
                    detail: "Set Inbox:TokenSecret (at least 32 characters) to mint tokens.");
            return Results.Ok(tokens.Mint(body.UserId!));
        })
            .WithName("CreateInboxToken")
            .WithSummary("Mint a token for a user's /ws socket")
            .WithDescription("409 when tokens are not enabled (Inbox:TokenSecret is not set).")
            .Produces<InboxTokenResponse>()
            .Answers(StatusCodes.Status400BadRequest, "`userId` is missing or not a user id.")
            .Answers(StatusCodes.Status409Conflict, "Socket tokens are not enabled: set Inbox:TokenSecret.");

        return app;
    }
}
