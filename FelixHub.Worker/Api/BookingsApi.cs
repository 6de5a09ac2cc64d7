using FelixHub.Core.Bookings;

namespace FelixHub.Worker.Api;

/// <summary>Users, bookings and their reminders (HTTP API v1, listed in docs/http-api.md).</summary>
public static class BookingsApi
{
    public static WebApplication MapBookingsApi(this WebApplication app)
    {
        var api = app.MapApi();

        api.MapPost("/users", async (CreateUserRequest body, BookingService bookings, CancellationToken ct) =>
            Results.Json(await bookings.CreateUserAsync(body, ct), statusCode: StatusCodes.Status201Created));

        api.MapPost("/bookings", async (CreateBookingRequest body, BookingService bookings, CancellationToken ct) =>
        {
            var booking = await bookings.CreateBookingAsync(body, ct);
            return Results.Created($"/api/bookings/{booking.Id}", booking);
        });

        api.MapGet("/bookings/{id:int}", async (int id, BookingService bookings, CancellationToken ct) =>
            Results.Ok(await bookings.GetBookingAsync(id, ct)));

        api.MapPost("/bookings/{id:int}/cancel", async (int id, BookingService bookings, CancellationToken ct) =>
            Results.Ok(await bookings.CancelBookingAsync(id, ct)));

        api.MapGet("/bookings/{id:int}/notifications", async (int id, BookingService bookings, CancellationToken ct) =>
            Results.Ok(await bookings.ListNotificationsAsync(id, ct)));

        return app;
    }
}
