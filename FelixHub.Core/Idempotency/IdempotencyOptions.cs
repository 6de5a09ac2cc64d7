using System.ComponentModel.DataAnnotations;

namespace FelixHub.Core.Idempotency;

/// <summary>The <c>Idempotency</c> section: how long an <c>Idempotency-Key</c> is remembered.</summary>
public sealed class IdempotencyOptions
{
    public const string Section = "Idempotency";

    /// <summary>A key and the first answer are kept this long after the first request (then the key is free again).</summary>
    [Range(1, 8760)]
    public int KeepHours { get; set; } = 24;

    /// <summary>
    /// A request still in progress after this long is taken for dead (its worker stopped): a retry with
    /// the same key and body may then run it again. Longer than any creating request takes.
    /// </summary>
    [Range(5, 3600)]
    public int LeaseSeconds { get; set; } = 60;
}
