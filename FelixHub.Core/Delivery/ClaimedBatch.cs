namespace FelixHub.Core.Delivery;

/// <summary>One message a dispatcher claimed (marked <c>sending</c> under its claim token).</summary>
public sealed record ClaimedMessage(long Id, string Kind, int Attempts);

/// <summary>What one claim took: only the holder of <see cref="Token"/> may send these and record their outcome.</summary>
public sealed record ClaimedBatch(Guid Token, DateTimeOffset ClaimedAt, DateTimeOffset LeaseUntil, IReadOnlyList<ClaimedMessage> Messages);
