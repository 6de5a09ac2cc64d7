using FelixHub.Core.Bookings;

namespace FelixHub.Worker.Api;

/// <summary>Users, bookings and their reminders (HTTP API v1, listed in docs/http-api.md).</summary>
public static class BookingsApi
{
    public static WebApplication MapBookingsApi(this WebApplication app)
    {
        var api = app.MapApi().MapGroup("").WithTags("Bookings");

        api.MapPost("/users", async (CreateUserRequest body, BookingService bookings, CancellationToken ct) =>
            Results.Json(await bookings.CreateUserAsync(body, ct), statusCode: StatusCodes.Status201Created))
            .Idempotent()
            .WithName("CreateUser")
            .WithSummary("Create a user who books resources")
            .WithDescription("Both fields are optional; `telegramId` is the chat the booking reminders go to.")
            .Produces<UserResponse>(StatusCodes.Status201Created)
            .Answers(StatusCodes.Status400BadRequest, "`telegramId` is not a chat id, or `name` is empty.");

        api.MapGet("/users/{id:int}", async (int id, BookingService bookings, CancellationToken ct) =>
            Results.Ok(await bookings.GetUserAsync(id, ct)))
            .WithName("GetUser")
            .WithSummary("Get a user who books resources")
            .Produces<UserResponse>()
            .Answers(StatusCodes.Status404NotFound, "No user has this id.");

        api.MapPatch("/users/{id:int}", async (int id, UpdateUserRequest body, BookingService bookings, CancellationToken ct) =>
            Results.Ok(await bookings.UpdateUserAsync(id, body, ct)))
            .WithName("UpdateUser")
            .WithSummary("Rename a user or change their Telegram chat")
            .WithDescription("A field left out (or null) is unchanged; `\"telegramId\": \"\"` unlinks the user's chat. Reminders already planned go to the chat the user has when each is sent.")
            .Produces<UserResponse>()
            .Answers(StatusCodes.Status400BadRequest, "A field is invalid (an empty `name`, a `telegramId` that is not a chat id).")
            .Answers(StatusCodes.Status404NotFound, "No user has this id.");

        api.MapPost("/bookings", async (CreateBookingRequest body, BookingService bookings, CancellationToken ct) =>
        {
            var booking = await bookings.CreateBookingAsync(body, ct);
            return Results.Created($"/api/bookings/{booking.Id}", booking);
        })
            .Idempotent()
            .WithName("CreateBooking")
            .WithSummary("Book a resource")
            .WithDescription($"`startTime` and `endTime` are ISO 8601 (e.g. `{IsoTimestamp.Example}`); a time without an offset (`2026-05-01T11:00:00`) is read as UTC. The start must be in the future and the end after it. The reminders are planned in the same transaction and listed in the answer.")
            .Produces<BookingResponse>(StatusCodes.Status201Created)
            .Answers(StatusCodes.Status400BadRequest, "A field is missing, a time is not ISO 8601 or is in the past, the end is not after the start, or `userId` names no user.");

        api.MapGet("/bookings/{id:int}", async (int id, BookingService bookings, CancellationToken ct) =>
            Results.Ok(await bookings.GetBookingAsync(id, ct)))
            .WithName("GetBooking")
            .WithSummary("Get a booking with its reminders")
            .Produces<BookingResponse>()
            .Answers(StatusCodes.Status404NotFound, "No booking has this id.");

        api.MapPost("/bookings/{id:int}/cancel", async (int id, BookingService bookings, CancellationToken ct) =>
            Results.Ok(await bookings.CancelBookingAsync(id, ct)))
            .WithName("CancelBooking")
            .WithSummary("Cancel a booking")
            .WithDescription("Cancels the reminders not yet sent and queues one cancellation notice. Cancelling again changes nothing.")
            .Produces<BookingResponse>()
            .Answers(StatusCodes.Status404NotFound, "No booking has this id.");

        api.MapGet("/bookings/{id:int}/notifications", async (int id, BookingService bookings, CancellationToken ct) =>
            Results.Ok(await bookings.ListNotificationsAsync(id, ct)))
            .WithName("ListBookingNotifications")
            .WithSummary("List a booking's reminders and their states")
            .Produces<IReadOnlyList<BookingNotificationResponse>>()
            .Answers(StatusCodes.Status404NotFound, "No booking has this id.");

        return app;
    }
}
