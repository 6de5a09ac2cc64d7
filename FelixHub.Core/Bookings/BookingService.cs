using FelixHub.Core.Bookings.Messages;
using FelixHub.Core.Common;
using FelixHub.Core.Delivery;
using FelixHub.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FelixHub.Core.Bookings;

/// <summary>
/// Users and bookings as the API edits them. A booking's reminders are messages of the delivery ledger,
/// written with the booking in one transaction and sent by the dispatcher at their time; cancelling
/// cancels those not gone out and queues one cancellation notice, again in one transaction.
/// </summary>
public sealed partial class BookingService(
    FelixHubDbContext db,
    DeliveryOutbox outbox,
    IOptionsMonitor<BookingsOptions> options,
    TimeProvider time,
    Recipients.RecipientPreferencesService recipients,
    ILogger<BookingService> logger)
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

    public async Task<UserResponse> GetUserAsync(int id, CancellationToken ct)
    {
        var user = await db.Set<User>().AsNoTracking().FirstOrDefaultAsync(u => u.Id == id, ct) ?? throw new NotFoundException("User", id);
        return UserResponse.From(user);
    }

    /// <summary>
    /// Renames a user or changes their Telegram chat. Reminders already planned go to the chat the user
    /// has when each is sent, so they follow the change.
    /// </summary>
    public async Task<UserResponse> UpdateUserAsync(int id, UpdateUserRequest request, CancellationToken ct)
    {
        new Validator()
            .Check(request.Name is null || !string.IsNullOrWhiteSpace(request.Name), "name", "'name' must not be empty.")
            .Optional(request.Name, "name", 200)
            .Check(string.IsNullOrEmpty(request.TelegramId) || TelegramChatId.IsValid(request.TelegramId), "telegramId", "'telegramId' must be a numeric Telegram chat id or an @username.")
            .ThrowIfInvalid();

        var user = await db.Set<User>().FindAsync([id], ct) ?? throw new NotFoundException("User", id);
        if (request.Name is not null) user.Name = request.Name.Trim();
        if (request.TelegramId is not null) user.TelegramId = request.TelegramId.Length == 0 ? null : request.TelegramId;
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
        int planned;
        // The booking and its reminders commit together or not at all.
        using (var scope = DeliveryTransaction.Begin())
        {
            db.Set<Booking>().Add(booking);
            await db.SaveChangesAsync(ct);
            var chatId = await ChatOfAsync(booking.UserId, ct);
            var language = await recipients.LanguageAsync(chatId, ct);
            var reminders = ReminderPlan.For(start, end, now)
                .Select(r => Reminder(booking, r.Type, chatId, language, r.ScheduledAt, ReminderPlan.ExpiresAt(r.Type, start, end)))
                .ToList();
            planned = (await outbox.WriteAsync(reminders, ct)).Count;
            scope.Complete();
        }

        using (Correlation.Push("bookingId", booking.Id))
            LogBookingCreated(logger, booking.Id, booking.UserId, planned);
        return await GetBookingAsync(booking.Id, ct);
    }

    /// <summary>
    /// One reminder of a booking: unique per booking and type, so planning or cancelling twice cannot duplicate one.
    /// Its text is in the language of the user's chat when the booking is made (or cancelled).
    /// </summary>
    private OutgoingMessage Reminder(Booking booking, BookingNotificationType type, string? chatId, string language, DateTimeOffset? dueAt, DateTimeOffset? expiresAt)
    {
        var text = BookingMessages.Create(type, new BookingMessageData(booking.ResourceName, booking.StartTime, booking.EndTime, options.CurrentValue.DisplayTimeZone), language);
        return new OutgoingMessage(type.ToCode(), ReminderKey(booking.Id, type), chatId, text)
        {
            BookingId = booking.Id,
            // Every message of a booking goes by the dispatcher, the cancellation notice too (at once).
            Bulk = true,
            DueAt = dueAt,
            ExpiresAt = expiresAt,
            // The user's chat when it is sent (BookingDeliveryHooks): they may link their Telegram after booking.
            RecipientAtSend = true,
        };
    }

    private static string ReminderKey(int bookingId, BookingNotificationType type) => MessageHash.Compute("booking", bookingId, type.ToCode());

    private async Task<string?> ChatOfAsync(int userId, CancellationToken ct)
    {
        var chat = await db.Set<User>().Where(u => u.Id == userId).Select(u => u.TelegramId).SingleAsync(ct);
        return string.IsNullOrWhiteSpace(chat) ? null : chat.Trim();
    }

    public async Task<BookingResponse> GetBookingAsync(int id, CancellationToken ct)
    {
        var booking = await db.Set<Booking>().AsNoTracking().FirstOrDefaultAsync(b => b.Id == id, ct) ?? throw new NotFoundException("Booking", id);
        return BookingResponse.From(booking, await RemindersAsync(id, ct));
    }

    public async Task<IReadOnlyList<BookingNotificationResponse>> ListNotificationsAsync(int id, CancellationToken ct)
    {
        if (!await db.Set<Booking>().AnyAsync(b => b.Id == id, ct))
            throw new NotFoundException("Booking", id);
        return await RemindersAsync(id, ct);
    }

    /// <summary>The booking's reminders as the API shows them: its messages in the delivery ledger.</summary>
    private async Task<IReadOnlyList<BookingNotificationResponse>> RemindersAsync(int bookingId, CancellationToken ct)
    {
        var rows = await db.DeliveryMessages.AsNoTracking()
            .Where(m => m.BookingId == bookingId && BookingNotificationTypeCodes.All.Contains(m.Kind))
            .OrderBy(m => m.DueAt).ThenBy(m => m.Id).ToListAsync(ct);
        return rows.Select(BookingNotificationResponse.From).ToList();
    }

    /// <summary>
    /// Cancels the booking: every reminder not yet sent becomes <c>CANCELLED</c> and one
    /// <c>BOOKING_CANCEL</c> notice is queued for now. Idempotent: the booking row is locked, and the
    /// notice's dedup key lets a second cancel add nothing.
    /// </summary>
    public async Task<BookingResponse> CancelBookingAsync(int id, CancellationToken ct)
    {
        using var bookingScope = Correlation.Push("bookingId", id);
        var now = time.GetUtcNow();
        using (var tx = DeliveryTransaction.Begin())
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

            // A reminder a dispatcher is sending right now (row locked) is waited for: it ends sent or
            // failed and stays so. One only claimed is cancelled; its dispatcher then finds it gone.
            var cancelled = await outbox.CancelAsync(ReminderPlan.Planned.Select(type => ReminderKey(id, type)).ToList(), ct);
            var chat = await ChatOfAsync(booking.UserId, ct);
            var notice = Reminder(booking, BookingNotificationType.BookingCancel, chat, await recipients.LanguageAsync(chat, ct), dueAt: null, expiresAt: null);
            var queued = (await outbox.WriteAsync([notice], ct)).Count;
            tx.Complete();

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
