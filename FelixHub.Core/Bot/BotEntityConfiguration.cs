using FelixHub.Core.Bookings;
using FelixHub.Core.Orders;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FelixHub.Core.Bot;

internal sealed class HandledUpdateConfiguration : IEntityTypeConfiguration<HandledUpdate>
{
    public void Configure(EntityTypeBuilder<HandledUpdate> b)
    {
        b.ToTable("telegram_updates");
        b.HasKey(u => new { u.BotId, u.UpdateId });
        b.Property(u => u.ChatId).HasMaxLength(50);
        b.Property(u => u.Kind).HasMaxLength(40);
        b.Property(u => u.Source).HasMaxLength(10);
        b.Property(u => u.Outcome).HasMaxLength(20);
        b.HasIndex(u => new { u.BotId, u.ChatId, u.HandledAt }); // the flood limit's window per chat
        b.HasIndex(u => u.HandledAt); // the clean-up
    }
}

internal sealed class BotStateConfiguration : IEntityTypeConfiguration<BotState>
{
    public void Configure(EntityTypeBuilder<BotState> b)
    {
        b.ToTable("telegram_bot_state");
        b.HasKey(s => s.BotId);
        b.Property(s => s.BotId).ValueGeneratedNever();
    }
}

internal sealed class TelegramLinkTokenConfiguration : IEntityTypeConfiguration<TelegramLinkToken>
{
    public void Configure(EntityTypeBuilder<TelegramLinkToken> b)
    {
        b.ToTable("telegram_link_tokens", t =>
            t.HasCheckConstraint("ck_telegram_link_tokens_one_owner", "num_nonnulls(mechanic_id, user_id) = 1"));
        b.Property(t => t.TokenHash).HasMaxLength(64);
        b.Property(t => t.UsedChatId).HasMaxLength(50);
        b.HasIndex(t => t.TokenHash).IsUnique();
        b.HasIndex(t => t.ExpiresAt);
        b.HasOne<Mechanic>().WithMany().HasForeignKey(t => t.MechanicId).OnDelete(DeleteBehavior.Cascade);
        b.HasOne<User>().WithMany().HasForeignKey(t => t.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class SellerChatConfiguration : IEntityTypeConfiguration<SellerChat>
{
    public void Configure(EntityTypeBuilder<SellerChat> b)
    {
        b.ToTable("telegram_sellers");
        b.HasKey(s => s.TelegramId);
        b.Property(s => s.TelegramId).ValueGeneratedNever();
        b.Property(s => s.State).HasMaxLength(20);
        b.Property(s => s.Username).HasMaxLength(64);
        b.Property(s => s.FirstName).HasMaxLength(128);
    }
}
