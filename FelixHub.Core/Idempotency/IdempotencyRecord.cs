using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FelixHub.Core.Idempotency;

/// <summary>
/// One <c>Idempotency-Key</c> of one endpoint (<c>idempotency_requests</c>): the request it was first
/// used with (a hash), and once that request has finished, its answer. Written and read with SQL by
/// <see cref="IdempotencyStore"/>; the entity is here for the schema.
/// </summary>
public sealed class IdempotencyRecord
{
    /// <summary>The endpoint: method and route pattern, e.g. <c>POST /api/orders</c>.</summary>
    public required string Scope { get; set; }

    public required string Key { get; set; }

    /// <summary>SHA-256 of the method, path, query and the body as the endpoint read it.</summary>
    public required byte[] RequestHash { get; set; }

    /// <summary><see cref="IdempotencyStore.InProgress"/> or <see cref="IdempotencyStore.Completed"/>.</summary>
    public required string State { get; set; }

    /// <summary>Who holds the claim: only its holder completes or releases it.</summary>
    public Guid ClaimId { get; set; }

    /// <summary>When the request started; a claim in progress longer than the lease may be taken over.</summary>
    public DateTimeOffset ClaimedAt { get; set; }

    public int? StatusCode { get; set; }
    public string? ContentType { get; set; }
    public string? Location { get; set; }
    public byte[]? Body { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
}

internal sealed class IdempotencyRecordConfiguration : IEntityTypeConfiguration<IdempotencyRecord>
{
    public void Configure(EntityTypeBuilder<IdempotencyRecord> b)
    {
        b.ToTable("idempotency_requests");
        b.HasKey(r => new { r.Scope, r.Key });
        b.Property(r => r.Scope).HasMaxLength(IdempotencyStore.MaxScopeLength);
        b.Property(r => r.Key).HasMaxLength(IdempotencyStore.MaxKeyLength);
        b.Property(r => r.State).HasMaxLength(20);
        b.Property(r => r.ContentType).HasMaxLength(200);
        b.Property(r => r.Location).HasMaxLength(2000);
        b.HasIndex(r => r.ExpiresAt); // the retention job
    }
}
