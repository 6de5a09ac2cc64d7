using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FelixHub.Core.Wildberries.Data;

internal sealed class WbCabinetConfiguration : IEntityTypeConfiguration<WbCabinet>
{
    public void Configure(EntityTypeBuilder<WbCabinet> b)
    {
        b.ToTable("wb_cabinets");
        b.Property(c => c.ApiKeyHash).HasMaxLength(64);
        b.Property(c => c.State).HasMaxLength(20);
        b.Property(c => c.LastSyncError).HasMaxLength(2000);
        b.Property(c => c.RateLimitAccount).HasMaxLength(100);
        b.HasIndex(c => c.ApiKeyHash).IsUnique();
        b.HasIndex(c => c.State);
    }
}

internal sealed class CabinetUserConfiguration : IEntityTypeConfiguration<CabinetUser>
{
    public void Configure(EntityTypeBuilder<CabinetUser> b)
    {
        b.ToTable("cabinet_users");
        b.HasOne<WbCabinet>().WithMany().HasForeignKey(u => u.CabinetId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(u => new { u.CabinetId, u.TelegramId }).IsUnique();
        b.HasIndex(u => u.TelegramId);
    }
}

internal sealed class WbOrderConfiguration : IEntityTypeConfiguration<WbOrder>
{
    public void Configure(EntityTypeBuilder<WbOrder> b)
    {
        b.ToTable("wb_orders");
        b.Property(o => o.Srid).HasMaxLength(100);
        foreach (var money in new[] { nameof(WbOrder.TotalPrice), nameof(WbOrder.Spp), nameof(WbOrder.FinishedPrice), nameof(WbOrder.PriceWithDisc) })
            b.Property(money).HasColumnType("numeric");
        b.HasOne<WbCabinet>().WithMany().HasForeignKey(o => o.CabinetId).OnDelete(DeleteBehavior.Cascade);
        // srid is WB's order id; per cabinet, because two keys of one seller are two cabinets that both see it.
        b.HasIndex(o => new { o.CabinetId, o.Srid }).IsUnique();
        b.HasIndex(o => new { o.CabinetId, o.Date });
        b.HasIndex(o => o.Date); // the retention job's batches
    }
}

internal sealed class WbSaleConfiguration : IEntityTypeConfiguration<WbSale>
{
    public void Configure(EntityTypeBuilder<WbSale> b)
    {
        b.ToTable("wb_sales");
        b.Property(s => s.SaleId).HasMaxLength(100);
        b.Property(s => s.Srid).HasMaxLength(100);
        b.Property(s => s.Kind).HasMaxLength(10);
        foreach (var money in new[] { nameof(WbSale.TotalPrice), nameof(WbSale.PriceWithDisc), nameof(WbSale.FinishedPrice), nameof(WbSale.ForPay) })
            b.Property(money).HasColumnType("numeric");
        b.HasOne<WbCabinet>().WithMany().HasForeignKey(s => s.CabinetId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(s => new { s.CabinetId, s.SaleId }).IsUnique();
        b.HasIndex(s => new { s.CabinetId, s.Date });
        b.HasIndex(s => s.Date); // the retention job's batches
    }
}

internal sealed class WbStockConfiguration : IEntityTypeConfiguration<WbStock>
{
    public void Configure(EntityTypeBuilder<WbStock> b)
    {
        b.ToTable("wb_stocks");
        b.Property(s => s.WarehouseName).HasMaxLength(200);
        b.HasOne<WbCabinet>().WithMany().HasForeignKey(s => s.CabinetId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(s => new { s.CabinetId, s.NmId, s.ChrtId, s.WarehouseName }).IsUnique();
    }
}

internal sealed class WbReviewConfiguration : IEntityTypeConfiguration<WbReview>
{
    public void Configure(EntityTypeBuilder<WbReview> b)
    {
        b.ToTable("wb_reviews");
        b.Property(r => r.ReviewId).HasMaxLength(100);
        b.HasOne<WbCabinet>().WithMany().HasForeignKey(r => r.CabinetId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(r => new { r.CabinetId, r.ReviewId }).IsUnique();
        b.HasIndex(r => new { r.CabinetId, r.CreatedDate });
        b.HasIndex(r => r.CreatedDate); // the retention job's batches
    }
}

internal sealed class WbProductConfiguration : IEntityTypeConfiguration<WbProduct>
{
    public void Configure(EntityTypeBuilder<WbProduct> b)
    {
        b.ToTable("wb_products");
        b.Property(p => p.ImageUrl).HasMaxLength(2000);
        b.HasOne<WbCabinet>().WithMany().HasForeignKey(p => p.CabinetId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(p => new { p.CabinetId, p.NmId }).IsUnique();
    }
}

internal sealed class WbSyncLogConfiguration : IEntityTypeConfiguration<WbSyncLog>
{
    public void Configure(EntityTypeBuilder<WbSyncLog> b)
    {
        b.ToTable("wb_sync_logs");
        b.Property(l => l.Kind).HasMaxLength(20);
        b.Property(l => l.Status).HasMaxLength(20);
        b.Property(l => l.Deferred).HasMaxLength(200);
        b.Property(l => l.Error).HasMaxLength(4000);
        b.HasOne<WbCabinet>().WithMany().HasForeignKey(l => l.CabinetId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(l => new { l.CabinetId, l.StartedAt });
        b.HasIndex(l => l.StartedAt);
    }
}

internal sealed class WbSyncCursorConfiguration : IEntityTypeConfiguration<WbSyncCursor>
{
    public void Configure(EntityTypeBuilder<WbSyncCursor> b)
    {
        b.ToTable("wb_sync_cursors");
        b.HasKey(c => new { c.CabinetId, c.Endpoint });
        b.Property(c => c.Endpoint).HasMaxLength(50);
        b.Property(c => c.Cursor).HasMaxLength(100);
        b.HasOne<WbCabinet>().WithMany().HasForeignKey(c => c.CabinetId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class WbRateLimitConfiguration : IEntityTypeConfiguration<WbRateLimit>
{
    public void Configure(EntityTypeBuilder<WbRateLimit> b)
    {
        b.ToTable("wb_rate_limits");
        b.HasKey(r => new { r.Account, r.Endpoint });
        b.Property(r => r.Account).HasMaxLength(100);
        b.Property(r => r.Endpoint).HasMaxLength(50);
    }
}

internal sealed class NotificationSettingsConfiguration : IEntityTypeConfiguration<NotificationSettings>
{
    public void Configure(EntityTypeBuilder<NotificationSettings> b)
    {
        var modes = string.Join(", ", Notifications.WbDigestModes.All.Select(m => $"'{m}'"));
        b.ToTable("notification_settings", t =>
        {
            foreach (var column in new[] { "new_orders_mode", "order_buyouts_mode", "order_cancellations_mode", "order_returns_mode", "negative_reviews_mode", "critical_stocks_mode" })
                t.HasCheckConstraint("ck_notification_settings_" + column, $"{column} IN ({modes})");
        });
        // No row means every switch is on and every kind immediate (the defaults); the switches are written whole by PUT.
        b.HasIndex(s => s.TelegramId).IsUnique();
        foreach (var mode in new[] { nameof(NotificationSettings.NewOrdersMode), nameof(NotificationSettings.OrderBuyoutsMode), nameof(NotificationSettings.OrderCancellationsMode),
                     nameof(NotificationSettings.OrderReturnsMode), nameof(NotificationSettings.NegativeReviewsMode), nameof(NotificationSettings.CriticalStocksMode) })
            b.Property(mode).HasMaxLength(10).HasDefaultValue(Notifications.WbDigestModes.Immediate);
        b.Property(s => s.DigestTime).HasDefaultValue(Notifications.WbDigestModes.DefaultDailyTime);
    }
}

internal sealed class WbDigestItemConfiguration : IEntityTypeConfiguration<WbDigestItem>
{
    public void Configure(EntityTypeBuilder<WbDigestItem> b)
    {
        b.ToTable("wb_digest_items");
        b.Property(i => i.EventType).HasMaxLength(50);
        b.Property(i => i.EventKey).HasMaxLength(200);
        b.Property(i => i.Product).HasMaxLength(300);
        b.Property(i => i.Article).HasMaxLength(100);
        b.Property(i => i.Amount).HasColumnType("numeric");
        b.HasOne<WbCabinet>().WithMany().HasForeignKey(i => i.CabinetId).OnDelete(DeleteBehavior.Cascade);
        // Once per user and event, whichever sync or replica records it.
        b.HasIndex(i => new { i.TelegramId, i.EventKey }).IsUnique();
        // The digest job's look-up: what is waiting and due.
        b.HasIndex(i => i.DueAt).HasFilter("digest_message_id IS NULL").HasDatabaseName("ix_wb_digest_items_waiting");
        // Retention: digested items by when.
        b.HasIndex(i => i.DigestedAt);
    }
}

internal sealed class NotificationHistoryConfiguration : IEntityTypeConfiguration<NotificationHistory>
{
    public void Configure(EntityTypeBuilder<NotificationHistory> b)
    {
        b.ToTable("notification_history");
        b.Property(h => h.EventKey).HasMaxLength(200);
        b.Property(h => h.EventType).HasMaxLength(50);
        b.HasIndex(h => new { h.TelegramId, h.EventKey }).IsUnique();
        b.HasIndex(h => h.SentAt);
    }
}

internal sealed class DataProtectionKeyRecordConfiguration : IEntityTypeConfiguration<DataProtectionKeyRecord>
{
    public void Configure(EntityTypeBuilder<DataProtectionKeyRecord> b)
    {
        b.ToTable("data_protection_keys");
        b.Property(k => k.FriendlyName).HasMaxLength(200);
    }
}
