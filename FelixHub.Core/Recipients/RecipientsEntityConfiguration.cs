using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FelixHub.Core.Recipients;

internal sealed class RecipientPreferencesConfiguration : IEntityTypeConfiguration<RecipientPreferences>
{
    public void Configure(EntityTypeBuilder<RecipientPreferences> b)
    {
        b.ToTable("recipient_preferences");
        b.HasKey(p => p.ChatId);
        b.Property(p => p.ChatId).HasMaxLength(50);
        b.Property(p => p.TimeZone).HasMaxLength(64);
        b.Property(p => p.QuietMode).HasMaxLength(10);
    }
}
