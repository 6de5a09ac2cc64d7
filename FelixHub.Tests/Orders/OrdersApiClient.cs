using System.Net.Http.Json;
using FelixHub.Core.Orders;
using FelixHub.Tests.Infrastructure;

namespace FelixHub.Tests.Orders;

/// <summary>What an admin panel does through the HTTP API, in one line per step.</summary>
public static class OrdersApiClient
{
    public static Task<MechanicResponse> CreateMechanicAsync(this TestWorker worker, string? telegramId, string name = "Иван Петров") =>
        worker.PostAsync<MechanicResponse>("/api/mechanics", new { name, telegramId });

    public static Task<OrderResponse> CreateOrderAsync(this TestWorker worker, int? mechanicId, string[]? parts = null,
        string carNumber = "AB1234CD", string category = "Двигатель") =>
        worker.PostAsync<OrderResponse>("/api/orders", new
        {
            carNumber,
            category,
            parts = parts ?? ["Масляный фильтр", "Воздушный фильтр", "Свечи зажигания"],
            assignedMechanicId = mechanicId,
        });

    public static Task<HttpResponseMessage> PatchOrderAsync(this TestWorker worker, int orderId, object body, string? requestId = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Patch, $"/api/orders/{orderId}") { Content = JsonContent.Create(body) };
        if (requestId is not null) request.Headers.Add("X-Request-Id", requestId);
        return worker.Http.SendAsync(request);
    }

    public static async Task<OrderResponse> ChangeStatusAsync(this TestWorker worker, int orderId, string status, string? requestId = null)
    {
        var response = await worker.PatchOrderAsync(orderId, new { status }, requestId);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<OrderResponse>())!;
    }

    public static async Task<List<NotificationLogResponse>> NotificationLogsAsync(this TestWorker worker, int orderId) =>
        (await worker.Http.GetFromJsonAsync<List<NotificationLogResponse>>($"/api/notification-logs?orderId={orderId}"))!;
}
