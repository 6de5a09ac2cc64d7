namespace FelixHub.Core.Delivery;

/// <summary>
/// One message a dispatcher claimed (marked <c>sending</c> under its claim token); <paramref name="UnrecordedClaims"/>:
/// its claims in a row without a recorded outcome, this one included.
/// </summary>
public sealed record ClaimedMessage(long Id, string Kind, int UnrecordedClaims);

/// <summary>What one claim took: only the holder of <see cref="Token"/> may send these and record their outcome.</summary>
public sealed record ClaimedBatch(Guid Token, DateTimeOffset ClaimedAt, DateTimeOffset LeaseUntil, IReadOnlyList<ClaimedMessage> Messages);
