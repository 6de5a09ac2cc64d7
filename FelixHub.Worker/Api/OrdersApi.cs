using System.ComponentModel;
using FelixHub.Core.Common;
using FelixHub.Core.Orders;
using FelixHub.Core.Recipients;

namespace FelixHub.Worker.Api;

/// <summary>Mechanics, orders and notification logs (HTTP API v1, listed in docs/http-api.md).</summary>
public static class OrdersApi
{
    public static WebApplication MapOrdersApi(this WebApplication app)
    {
        var api = app.MapApi();
        var mechanics = api.MapGroup("").WithTags("Mechanics");
        var orders = api.MapGroup("").WithTags("Orders");
        var recipients = api.MapGroup("").WithTags("Recipients");

        recipients.MapGet("/recipients/{telegramId}/preferences", async (string telegramId, RecipientPreferencesService service, CancellationToken ct) =>
            Results.Ok(await service.GetAsync(telegramId, ct)))
            .WithName("GetRecipientPreferences")
            .WithSummary("Which order notifications a Telegram chat gets, and its quiet hours")
            .WithDescription("A mechanic's or customer's own choices, on top of the global flags: `statusChanges` (mechanic and customer status messages), `assignments` (a mechanic's new assignment), `ready` (the customer's «готов»). A chat that never chose gets everything: all `true`, `updatedAt` null. Quiet hours (any recipient chat: mechanic, customer, admin, seller, booking user): `quietFrom`/`quietTo` (`HH:mm`, local time in `timeZone`; may cross midnight; null = none), `quietMode` `hold` (messages due inside the window wait until it ends) or `silent` (sent at once without sound). `timeZone` and `quietMode` show what applies, defaults included (`Europe/Moscow`, `hold`).")
            .Produces<RecipientPreferencesResponse>()
            .Answers(StatusCodes.Status400BadRequest, "`telegramId` is not a chat id.");

        recipients.MapPatch("/recipients/{telegramId}/preferences", async (string telegramId, UpdateRecipientPreferencesRequest body, RecipientPreferencesService service, CancellationToken ct) =>
            Results.Ok(await service.UpdateAsync(telegramId, body, ct)))
            .WithName("UpdateRecipientPreferences")
            .WithSummary("Turn order notifications of a Telegram chat on or off; set its quiet hours")
            .WithDescription("A field left out (or null) is unchanged. A message turned off is not sent and not logged as a failure; it shows as `skipped` (\"the recipient turned off …\") on the dashboard. The choice counts for messages already queued, too. The same switches are in the bot: `/settings`. Quiet hours: `quietFrom` and `quietTo` (`HH:mm`) come together, both `\"\"` remove the window; `timeZone` is an IANA id (default `Europe/Moscow`); `quietMode` is `hold` (default) or `silent`. A booking's start reminder and its cancellation notice never wait: inside the window they go out silently. The same window is in the bot: `/quiet`.")
            .Produces<RecipientPreferencesResponse>()
            .Answers(StatusCodes.Status400BadRequest, "`telegramId` is not a chat id, a switch is not `true`, `false` or null, `quietFrom`/`quietTo` is not `HH:mm` (or only one is given, or both are equal), `timeZone` is not an IANA time zone, or `quietMode` is not `hold`/`silent`.");

        mechanics.MapPost("/mechanics", async (CreateMechanicRequest body, OrderService service, CancellationToken ct) =>
        {
            var mechanic = await service.CreateMechanicAsync(body, ct);
            return Results.Created($"/api/mechanics/{mechanic.Id}", mechanic);
        })
            .Idempotent()
            .WithName("CreateMechanic")
            .WithSummary("Create a mechanic")
            .WithDescription("`name` is required (at most 200 characters); `telegramId` is optional: the chat the mechanic's order notifications go to.")
            .Produces<MechanicResponse>(StatusCodes.Status201Created)
            .Answers(StatusCodes.Status400BadRequest, "`name` is missing or too long, or `telegramId` is not a chat id.");

        mechanics.MapGet("/mechanics", async (
            [Description("`true`: only active mechanics; `false`: only deactivated ones; left out: all.")] bool? active,
            [Description(LimitDescription)] int? limit,
            [Description(AfterDescription)] string? after,
            OrderService service, CancellationToken ct) =>
            Results.Ok(await service.ListMechanicsAsync(active, limit, after, ct)))
            .WithName("ListMechanics")
            .WithSummary("List mechanics, page by page")
            .WithDescription("Ordered by id; deactivated mechanics are listed too, with `active: false`, unless `active` filters them. " + PagingDescription)
            .Produces<Page<MechanicResponse>>()
            .Answers(StatusCodes.Status400BadRequest, "`active` is not `true` or `false`, `limit` is outside 1–1000 or not a number, or `after` is not a cursor of this listing.");

        mechanics.MapGet("/mechanics/{id:int}", async (int id, OrderService service, CancellationToken ct) =>
            Results.Ok(await service.GetMechanicAsync(id, ct)))
            .WithName("GetMechanic")
            .WithSummary("Get a mechanic")
            .Produces<MechanicResponse>()
            .Answers(StatusCodes.Status404NotFound, "No mechanic has this id.");

        mechanics.MapPatch("/mechanics/{id:int}", async (int id, UpdateMechanicRequest body, OrderService service, CancellationToken ct) =>
            Results.Ok(await service.UpdateMechanicAsync(id, body, ct)))
            .WithName("UpdateMechanic")
            .WithSummary("Rename, relink, deactivate or reactivate a mechanic")
            .WithDescription("A field left out (or null) is unchanged; `\"telegramId\": \"\"` unlinks the mechanic's Telegram account. " +
                "`\"active\": false` deactivates the mechanic: the messages to them not yet sent are cancelled, they get no more notifications, " +
                "no new Telegram link and no new orders; their orders and logs stay. `\"active\": true` reactivates them.")
            .Produces<MechanicResponse>()
            .Answers(StatusCodes.Status400BadRequest, "A field is invalid (an empty `name`, a `telegramId` that is not a chat id).")
            .Answers(StatusCodes.Status404NotFound, "No mechanic has this id.");

        orders.MapPost("/orders", async (CreateOrderRequest body, OrderService service, CancellationToken ct) =>
        {
            var order = await service.CreateOrderAsync(body, ct);
            return Results.Created($"/api/orders/{order.Id}", order);
        })
            .Idempotent()
            .WithName("CreateOrder")
            .WithSummary("Create an order")
            .WithDescription("The order starts as `новый`. Assigning a mechanic queues their notification in the same transaction; the send happens afterwards. An unknown `assignedMechanicId` is a 400 naming it.")
            .Produces<OrderResponse>(StatusCodes.Status201Created)
            .Answers(StatusCodes.Status400BadRequest, "A field is missing or invalid, or `assignedMechanicId` names no mechanic.");

        orders.MapGet("/orders", async (
            [Description("Only orders in this status: `новый`, `в работе`, `готов` or `выдан`.")] string? status,
            [Description("Only orders assigned to this mechanic.")] int? mechanicId,
            [Description("Only orders changed (`updatedAt`) at or after this moment: ISO 8601, e.g. `2026-05-01T14:00:00+03:00`; without an offset it is read as UTC.")] string? changedSince,
            [Description(LimitDescription)] int? limit,
            [Description(AfterDescription)] string? after,
            OrderService service, CancellationToken ct) =>
            Results.Ok(await service.ListOrdersAsync(status, mechanicId, changedSince, limit, after, ct)))
            .WithName("ListOrders")
            .WithSummary("List orders, page by page")
            .WithDescription("Ordered by id; the filters combine. " + PagingDescription)
            .Produces<Page<OrderResponse>>()
            .Answers(StatusCodes.Status400BadRequest, "An unknown `status`, a `changedSince` that is not a timestamp, a `mechanicId` or `limit` out of range, or an `after` that is not a cursor of this listing.");

        orders.MapGet("/orders/{id:int}", async (int id, OrderService service, CancellationToken ct) =>
            Results.Ok(await service.GetOrderAsync(id, ct)))
            .WithName("GetOrder")
            .WithSummary("Get an order")
            .Produces<OrderResponse>()
            .Answers(StatusCodes.Status404NotFound, "No order has this id.");

        orders.MapPatch("/orders/{id:int}", async (int id, UpdateOrderRequest body, OrderService service, CancellationToken ct) =>
            Results.Ok(await service.UpdateOrderAsync(id, body, ct)))
            .WithName("UpdateOrder")
            .WithSummary("Change an order's status, mechanic or customer chat")
            .WithDescription("Statuses: `новый`, `в работе`, `готов`, `выдан`. A field left out is unchanged; `\"customerTelegramId\": \"\"` removes the customer's chat. The notifications the change causes are queued in the same transaction.")
            .Produces<OrderResponse>()
            .Answers(StatusCodes.Status400BadRequest, "An unknown status, an unknown mechanic, or a field of the wrong shape.")
            .Answers(StatusCodes.Status404NotFound, "No order has this id.");

        orders.MapGet("/notification-logs", async (
            [Description("Only the attempts of this order.")] int? orderId,
            [Description("Only this notification type, e.g. `mechanic_status_change`.")] string? type,
            [Description("At most this many rows, 1–1000 (default 100).")] int? limit,
            OrderService service, CancellationToken ct) =>
            Results.Ok(await service.ListNotificationLogsAsync(orderId, type, limit ?? 100, ct)))
            .WithName("ListNotificationLogs")
            .WithSummary("List notification send attempts")
            .WithDescription("One row per send attempt of an order message or stuck-order alert, newest first.")
            .Produces<IReadOnlyList<NotificationLogResponse>>()
            .Answers(StatusCodes.Status400BadRequest, "`limit` is outside 1–1000, or a parameter is not a number.");

        return app;
    }

    public const string LimitDescription = "At most this many rows per page, 1–1000 (default 100).";
    public const string AfterDescription = "The `next` of the previous page; leave it out for the first page.";
    public const string PagingDescription =
        "Answers `{items, next}`: pass `next` as `after` for the following page; `next` is null on the last page. " +
        "Rows added while a client pages through come after what it has read: it sees no row twice and misses none that existed when it started.";
}
