using FelixHub.Core.Orders;

namespace FelixHub.Worker.Api;

/// <summary>Mechanics, orders and notification logs (HTTP API v1, listed in docs/http-api.md).</summary>
public static class OrdersApi
{
    public static WebApplication MapOrdersApi(this WebApplication app)
    {
        var api = app.MapApi();

        api.MapPost("/mechanics", async (CreateMechanicRequest body, OrderService orders, CancellationToken ct) =>
        {
            var mechanic = await orders.CreateMechanicAsync(body, ct);
            return Results.Created($"/api/mechanics/{mechanic.Id}", mechanic);
        });

        api.MapPatch("/mechanics/{id:int}", async (int id, UpdateMechanicRequest body, OrderService orders, CancellationToken ct) =>
            Results.Ok(await orders.UpdateMechanicAsync(id, body, ct)));

        api.MapPost("/orders", async (CreateOrderRequest body, OrderService orders, CancellationToken ct) =>
        {
            var order = await orders.CreateOrderAsync(body, ct);
            return Results.Created($"/api/orders/{order.Id}", order);
        });

        api.MapGet("/orders/{id:int}", async (int id, OrderService orders, CancellationToken ct) =>
            Results.Ok(await orders.GetOrderAsync(id, ct)));

        api.MapPatch("/orders/{id:int}", async (int id, UpdateOrderRequest body, OrderService orders, CancellationToken ct) =>
            Results.Ok(await orders.UpdateOrderAsync(id, body, ct)));

        api.MapGet("/notification-logs", async (int? orderId, string? type, int? limit, OrderService orders, CancellationToken ct) =>
            Results.Ok(await orders.ListNotificationLogsAsync(orderId, type, limit ?? 100, ct)));

        return app;
    }
}
