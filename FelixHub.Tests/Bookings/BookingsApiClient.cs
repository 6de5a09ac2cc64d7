using System.Globalization;
using System.Net.Http.Json;
using FelixHub.Core.Bookings;
using FelixHub.Core.Delivery;
using FelixHub.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FelixHub.Tests.Bookings;

/// <summary>What a booking front end does through the HTTP API, plus the test's view of the rows.</summary>
public static class BookingsApiClient
{
    /// <summary>ISO 8601 with the offset the client used, e.g. <c>2026-03-04T12:00:00+03:00</c>.</summary>
    public static string Iso(DateTimeOffset value, TimeSpan? offset = null) =>
        value.ToOffset(offset ?? TimeSpan.FromHours(3)).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);

    public static Task<UserResponse> CreateUserAsync(this TestWorker worker, string? telegramId, string? name = "Анна") =>
        worker.PostAsync<UserResponse>("/api/users", new { telegramId, name });

    public static Task<BookingResponse> CreateBookingAsync(this TestWorker worker, int userId, DateTimeOffset start, DateTimeOffset end,
        string resourceName = "Переговорная «Нева»") =>
        worker.PostAsync<BookingResponse>("/api/bookings", new { userId, resourceName, startTime = Iso(start), endTime = Iso(end) });

    public static async Task<BookingResponse> CancelBookingAsync(this TestWorker worker, int bookingId)
    {
        var response = await worker.Http.PostAsync($"/api/bookings/{bookingId}/cancel", content: null);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<BookingResponse>())!;
    }

    public static async Task<List<BookingNotificationResponse>> BookingNotificationsAsync(this TestWorker worker, int bookingId) =>
        (await worker.Http.GetFromJsonAsync<List<BookingNotificationResponse>>($"/api/bookings/{bookingId}/notifications"))!;

    public static async Task<BookingNotificationResponse> ReminderAsync(this TestWorker worker, int bookingId, string type) =>
        (await worker.BookingNotificationsAsync(bookingId)).Single(n => n.Type == type);

    /// <summary>One run of the recurring job, as Hangfire would start it.</summary>
    public static Task<DispatchSummary> DispatchAsync(this TestWorker worker) =>
        worker.InScopeAsync(sp => sp.GetRequiredService<DeliveryDispatchJob>().ExecuteAsync(CancellationToken.None));

    public static Task<ClaimedBatch> ClaimAsync(this TestWorker worker, int limit) =>
        worker.InScopeAsync(sp => sp.GetRequiredService<DeliveryDispatcher>().ClaimAsync(limit, CancellationToken.None));

    public static Task<DispatchSummary> ProcessAsync(this TestWorker worker, ClaimedBatch batch) =>
        worker.InScopeAsync(sp => sp.GetRequiredService<DeliveryDispatcher>().ProcessAsync(batch, CancellationToken.None));

    /// <summary>A reminder's message in the delivery ledger.</summary>
    public static Task<DeliveryMessage> NotificationRowAsync(this TestWorker worker, long id) =>
        worker.DbAsync(db => db.Set<DeliveryMessage>().AsNoTracking().SingleAsync(n => n.Id == id));

    public static Task<(int Users, int Bookings, int Notifications)> CountRowsAsync(this TestWorker worker) =>
        worker.DbAsync(async db => (await db.Set<User>().CountAsync(), await db.Set<Booking>().CountAsync(), await db.Set<DeliveryMessage>().CountAsync(m => m.BookingId != null)));
}
