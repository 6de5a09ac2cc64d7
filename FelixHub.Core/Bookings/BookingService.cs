using FelixHub.Core.Common;
using FelixHub.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace FelixHub.Core.Bookings;

/// <summary>
/// Users and bookings as the API edits them. Creating a booking plans its reminders in the same
/// transaction; cancelling cancels what has not gone out and queues one cancellation notice.
/// </summary>
public sealed partial class BookingService(FelixHubDbContext db, TimeProvider time, ILogger<BookingService> logger)
{
    public const int MaxResourceNameLength = 200;

    public async Task<UserResponse> CreateUserAsync(CreateUserRequest request, CancellationToken ct)
    {
        new Validator()
            .Check(request.TelegramId is null || TelegramChatId.IsValid(request.TelegramId), "telegramId", "'telegramId' must be a numeric Telegram chat id or an @username.")
            .Check(request.Name is null || !string.IsNullOrWhiteSpace(request.Name), "name", "'name' must not be empty.")
            .Optional(request.Name, "name", 200)
            .ThrowIfInvalid();

        var user = new User { TelegramId = request.TelegramId, Name = request.Name?.Trim(), CreatedAt = time.GetUtcNow() };
        db.Set<User>().Add(user);
        await db.SaveChangesAsync(ct);
        return UserResponse.From(user);
    }

    public async Task<BookingResponse> CreateBookingAsync(CreateBookingRequest request, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var validator = new Validator()
            .Check(request.UserId is not null, "userId", "'userId' is required.")
            .Check(request.UserId is null or > 0, "userId", "'userId' must be a positive id.")
            .Required(request.ResourceName, "resourceName", MaxResourceNameLength);
        var startOk = IsoTimestamp.TryParse(request.StartTime, "startTime", out var start, out var startError);
        var endOk = IsoTimestamp.TryParse(request.EndTime, "endTime", out var end, out var endError);
        validator
            .Check(startOk, "startTime", startError ?? "")
            .Check(endOk, "endTime", endError ?? "")
            .Check(!startOk || start > now, "startTime", "'startTime' is in the past.")
            .Check(!startOk || !endOk || end > start, "endTime", "'endTime' must be after 'startTime'.")
            .ThrowIfInvalid();
        if (!await db.Set<User>().AnyAsync(u => u.Id == request.UserId, ct))
            throw RequestValidationException.For("userId", $"User {request.UserId} does not exist.");

        var booking = new Booking
        {
            UserId = request.UserId!.Value,
            ResourceName = request.ResourceName!.Trim(),
            StartTime = start,
            EndTime = end,
            Status = BookingStatus.Active,
            CreatedAt = now,
        };
        foreach (var (type, scheduledAt) in ReminderPlan.For(start, end, now))
        {
            booking.Notifications.Add(new BookingNotification
            {
                UserId = booking.UserId,
                Type = type,
                Status = BookingNotificationStatus.Pending,
                ScheduledAt = scheduledAt,
                NextAttemptAt = scheduledAt,
                CreatedAt = now,
            });
        }
        db.Set<Booking>().Add(booking);
        // One SaveChanges: the booking and its reminders commit together or not at all.
        await db.SaveChangesAsync(ct);

        using (Correlation.Push("bookingId", booking.Id))
            LogBookingCreated(logger, booking.Id, booking.UserId, booking.Notifications.Count);
        return BookingResponse.From(booking);
    }

    public async Task<BookingResponse> GetBookingAsync(int id, CancellationToken ct)
    {
        var booking = await db.Set<Booking>().AsNoTracking().Include(b => b.Notifications)
            .FirstOrDefaultAsync(b => b.Id == id, ct) ?? throw new NotFoundException("Booking", id);
        return BookingResponse.From(booking);
    }

    public async Task<IReadOnlyList<BookingNotificationResponse>> ListNotificationsAsync(int id, CancellationToken ct)
    {
        if (!await db.Set<Booking>().AnyAsync(b => b.Id == id, ct))
            throw new NotFoundException("Booking", id);
        var rows = await db.Set<BookingNotification>().AsNoTracking()
            .Where(n => n.BookingId == id).OrderBy(n => n.ScheduledAt).ThenBy(n => n.Id).ToListAsync(ct);
        return rows.Select(BookingNotificationResponse.From).ToList();
    }

    /// <summary>
    /// Cancels the booking: every reminder not yet sent becomes <c>CANCELLED</c> and one
    /// <c>BOOKING_CANCEL</c> notice is queued for now. Idempotent: the booking row is locked, and the
    /// unique (booking, type) index lets a second cancel add nothing.
    /// </summary>
    public async Task<BookingResponse> CancelBookingAsync(int id, CancellationToken ct)
    {
        using var bookingScope = Correlation.Push("bookingId", id);
        var now = time.GetUtcNow();
        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            var booking = await db.Set<Booking>().FromSql($"SELECT * FROM bookings WHERE id = {id} FOR UPDATE").SingleOrDefaultAsync(ct)
                ?? throw new NotFoundException("Booking", id);
            var wasActive = booking.Status == BookingStatus.Active;
            if (wasActive)
            {
                booking.Status = BookingStatus.Cancelled;
                booking.CancelledAt = now;
                await db.SaveChangesAsync(ct);
            }

            // A reminder a dispatcher is sending right now (row locked) is waited for: it ends SENT or
            // FAILED and stays so. One only claimed is cancelled; its dispatcher then finds it gone.
            var cancelled = await db.Database.ExecuteSqlAsync($"""
                UPDATE booking_notifications
                SET status = {BookingNotificationStatusCodes.Cancelled}, next_attempt_at = NULL, claim_token = NULL
                WHERE booking_id = {id} AND status IN ({BookingNotificationStatusCodes.Pending}, {BookingNotificationStatusCodes.Processing}) AND type <> {BookingNotificationTypeCodes.BookingCancel}
                """, ct);
            var queued = await db.Database.ExecuteSqlAsync($"""
                INSERT INTO booking_notifications (booking_id, user_id, type, status, scheduled_at, next_attempt_at, attempts, created_at)
                VALUES ({id}, {booking.UserId}, {BookingNotificationTypeCodes.BookingCancel}, {BookingNotificationStatusCodes.Pending}, {now}, {now}, 0, {now})
                ON CONFLICT (booking_id, type) DO NOTHING
                """, ct);
            await tx.CommitAsync(ct);

            if (wasActive || cancelled > 0 || queued > 0)
                LogBookingCancelled(logger, id, cancelled, queued > 0);
            else
                LogAlreadyCancelled(logger, id);
        }
        db.ChangeTracker.Clear();
        return await GetBookingAsync(id, ct);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Booking {BookingId} of user {UserId} created with {ReminderCount} reminders planned")]
    private static partial void LogBookingCreated(ILogger logger, int bookingId, int userId, int reminderCount);

    [LoggerMessage(Level = LogLevel.Information, Message = "Booking {BookingId} cancelled: {CancelledCount} reminders cancelled, cancellation notice queued: {NoticeQueued}")]
    private static partial void LogBookingCancelled(ILogger logger, int bookingId, int cancelledCount, bool noticeQueued);

    [LoggerMessage(Level = LogLevel.Information, Message = "Booking {BookingId} was already cancelled; nothing changed")]
    private static partial void LogAlreadyCancelled(ILogger logger, int bookingId);
}
