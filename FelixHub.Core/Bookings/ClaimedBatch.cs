namespace FelixHub.Core.Bookings;

/// <summary>One reminder a dispatcher claimed (marked <c>PROCESSING</c> under its claim token).</summary>
public sealed record ClaimedReminder(long Id, int BookingId, BookingNotificationType Type, int Attempts);

/// <summary>What one claim took: only the holder of <see cref="Token"/> may send these and record their outcome.</summary>
public sealed record ClaimedBatch(Guid Token, DateTimeOffset ClaimedAt, DateTimeOffset LeaseUntil, IReadOnlyList<ClaimedReminder> Reminders);
