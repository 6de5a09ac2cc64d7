using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace FelixHub.Core.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class Wildberries : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "data_protection_keys",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    friendly_name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    xml = table.Column<string>(type: "text", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_data_protection_keys", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "notification_history",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    telegram_id = table.Column<long>(type: "bigint", nullable: false),
                    event_key = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    event_type = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false),
                    cabinet_id = table.Column<long>(type: "bigint", nullable: true),
                    sent_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_notification_history", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "notification_settings",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    telegram_id = table.Column<long>(type: "bigint", nullable: false),
                    notifications_enabled = table.Column<bool>(type: "boolean", nullable: false),
                    new_orders_enabled = table.Column<bool>(type: "boolean", nullable: false),
                    order_buyouts_enabled = table.Column<bool>(type: "boolean", nullable: false),
                    order_cancellations_enabled = table.Column<bool>(type: "boolean", nullable: false),
                    order_returns_enabled = table.Column<bool>(type: "boolean", nullable: false),
                    negative_reviews_enabled = table.Column<bool>(type: "boolean", nullable: false),
                    critical_stocks_enabled = table.Column<bool>(type: "boolean", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_notification_settings", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "wb_cabinets",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    api_key_encrypted = table.Column<string>(type: "text", nullable: false),
                    api_key_hash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    token_type = table.Column<int>(type: "integer", nullable: true),
                    key_expires_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    state = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    history_from = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    last_sync_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    initial_sync_completed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    sync_lease_until = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    sync_lease_owner = table.Column<Guid>(type: "uuid", nullable: true),
                    sync_enqueued_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    last_sync_error = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_wb_cabinets", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "cabinet_users",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    cabinet_id = table.Column<long>(type: "bigint", nullable: false),
                    telegram_id = table.Column<long>(type: "bigint", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_cabinet_users", x => x.id);
                    table.ForeignKey(
                        name: "fk_cabinet_users_wb_cabinet_cabinet_id",
                        column: x => x.cabinet_id,
                        principalTable: "wb_cabinets",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "wb_notifications",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    cabinet_id = table.Column<long>(type: "bigint", nullable: false),
                    telegram_id = table.Column<long>(type: "bigint", nullable: false),
                    event_type = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false),
                    event_key = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    text = table.Column<string>(type: "text", nullable: false),
                    photo_url = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    status = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    attempts = table.Column<int>(type: "integer", nullable: false),
                    next_attempt_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    error = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    sent_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_wb_notifications", x => x.id);
                    table.ForeignKey(
                        name: "fk_wb_notifications_wb_cabinets_cabinet_id",
                        column: x => x.cabinet_id,
                        principalTable: "wb_cabinets",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "wb_orders",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    cabinet_id = table.Column<long>(type: "bigint", nullable: false),
                    srid = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    g_number = table.Column<string>(type: "text", nullable: true),
                    date = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    last_change_date = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    nm_id = table.Column<long>(type: "bigint", nullable: false),
                    supplier_article = table.Column<string>(type: "text", nullable: true),
                    barcode = table.Column<string>(type: "text", nullable: true),
                    tech_size = table.Column<string>(type: "text", nullable: true),
                    category = table.Column<string>(type: "text", nullable: true),
                    subject = table.Column<string>(type: "text", nullable: true),
                    brand = table.Column<string>(type: "text", nullable: true),
                    warehouse_name = table.Column<string>(type: "text", nullable: true),
                    region_name = table.Column<string>(type: "text", nullable: true),
                    oblast_okrug_name = table.Column<string>(type: "text", nullable: true),
                    country_name = table.Column<string>(type: "text", nullable: true),
                    total_price = table.Column<decimal>(type: "numeric", nullable: false),
                    discount_percent = table.Column<int>(type: "integer", nullable: false),
                    spp = table.Column<decimal>(type: "numeric", nullable: false),
                    finished_price = table.Column<decimal>(type: "numeric", nullable: false),
                    price_with_disc = table.Column<decimal>(type: "numeric", nullable: false),
                    is_cancel = table.Column<bool>(type: "boolean", nullable: false),
                    cancel_date = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_wb_orders", x => x.id);
                    table.ForeignKey(
                        name: "fk_wb_orders_wb_cabinets_cabinet_id",
                        column: x => x.cabinet_id,
                        principalTable: "wb_cabinets",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "wb_products",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    cabinet_id = table.Column<long>(type: "bigint", nullable: false),
                    nm_id = table.Column<long>(type: "bigint", nullable: false),
                    name = table.Column<string>(type: "text", nullable: true),
                    article = table.Column<string>(type: "text", nullable: true),
                    brand = table.Column<string>(type: "text", nullable: true),
                    subject = table.Column<string>(type: "text", nullable: true),
                    image_url = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_wb_products", x => x.id);
                    table.ForeignKey(
                        name: "fk_wb_products_wb_cabinets_cabinet_id",
                        column: x => x.cabinet_id,
                        principalTable: "wb_cabinets",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "wb_rate_limits",
                columns: table => new
                {
                    cabinet_id = table.Column<long>(type: "bigint", nullable: false),
                    endpoint = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false),
                    next_allowed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_wb_rate_limits", x => new { x.cabinet_id, x.endpoint });
                    table.ForeignKey(
                        name: "fk_wb_rate_limits_wb_cabinets_cabinet_id",
                        column: x => x.cabinet_id,
                        principalTable: "wb_cabinets",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "wb_reviews",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    cabinet_id = table.Column<long>(type: "bigint", nullable: false),
                    review_id = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    nm_id = table.Column<long>(type: "bigint", nullable: false),
                    product_name = table.Column<string>(type: "text", nullable: true),
                    supplier_article = table.Column<string>(type: "text", nullable: true),
                    brand = table.Column<string>(type: "text", nullable: true),
                    valuation = table.Column<int>(type: "integer", nullable: false),
                    text = table.Column<string>(type: "text", nullable: true),
                    created_date = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_wb_reviews", x => x.id);
                    table.ForeignKey(
                        name: "fk_wb_reviews_wb_cabinets_cabinet_id",
                        column: x => x.cabinet_id,
                        principalTable: "wb_cabinets",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "wb_sales",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    cabinet_id = table.Column<long>(type: "bigint", nullable: false),
                    sale_id = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    srid = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    g_number = table.Column<string>(type: "text", nullable: true),
                    date = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    last_change_date = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    nm_id = table.Column<long>(type: "bigint", nullable: false),
                    supplier_article = table.Column<string>(type: "text", nullable: true),
                    barcode = table.Column<string>(type: "text", nullable: true),
                    tech_size = table.Column<string>(type: "text", nullable: true),
                    subject = table.Column<string>(type: "text", nullable: true),
                    brand = table.Column<string>(type: "text", nullable: true),
                    warehouse_name = table.Column<string>(type: "text", nullable: true),
                    region_name = table.Column<string>(type: "text", nullable: true),
                    oblast_okrug_name = table.Column<string>(type: "text", nullable: true),
                    country_name = table.Column<string>(type: "text", nullable: true),
                    total_price = table.Column<decimal>(type: "numeric", nullable: false),
                    price_with_disc = table.Column<decimal>(type: "numeric", nullable: false),
                    finished_price = table.Column<decimal>(type: "numeric", nullable: false),
                    for_pay = table.Column<decimal>(type: "numeric", nullable: false),
                    kind = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_wb_sales", x => x.id);
                    table.ForeignKey(
                        name: "fk_wb_sales_wb_cabinets_cabinet_id",
                        column: x => x.cabinet_id,
                        principalTable: "wb_cabinets",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "wb_stocks",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    cabinet_id = table.Column<long>(type: "bigint", nullable: false),
                    nm_id = table.Column<long>(type: "bigint", nullable: false),
                    chrt_id = table.Column<long>(type: "bigint", nullable: false),
                    warehouse_name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    quantity = table.Column<int>(type: "integer", nullable: false),
                    in_way_to_client = table.Column<int>(type: "integer", nullable: false),
                    in_way_from_client = table.Column<int>(type: "integer", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_wb_stocks", x => x.id);
                    table.ForeignKey(
                        name: "fk_wb_stocks_wb_cabinets_cabinet_id",
                        column: x => x.cabinet_id,
                        principalTable: "wb_cabinets",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "wb_sync_cursors",
                columns: table => new
                {
                    cabinet_id = table.Column<long>(type: "bigint", nullable: false),
                    endpoint = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false),
                    cursor = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_wb_sync_cursors", x => new { x.cabinet_id, x.endpoint });
                    table.ForeignKey(
                        name: "fk_wb_sync_cursors_wb_cabinets_cabinet_id",
                        column: x => x.cabinet_id,
                        principalTable: "wb_cabinets",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "wb_sync_logs",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    cabinet_id = table.Column<long>(type: "bigint", nullable: false),
                    kind = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    status = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    started_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    finished_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    orders = table.Column<int>(type: "integer", nullable: false),
                    sales = table.Column<int>(type: "integer", nullable: false),
                    reviews = table.Column<int>(type: "integer", nullable: false),
                    stocks = table.Column<int>(type: "integer", nullable: false),
                    products = table.Column<int>(type: "integer", nullable: false),
                    events = table.Column<int>(type: "integer", nullable: false),
                    deferred = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    error = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_wb_sync_logs", x => x.id);
                    table.ForeignKey(
                        name: "fk_wb_sync_logs_wb_cabinets_cabinet_id",
                        column: x => x.cabinet_id,
                        principalTable: "wb_cabinets",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_cabinet_users_cabinet_id_telegram_id",
                table: "cabinet_users",
                columns: new[] { "cabinet_id", "telegram_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_cabinet_users_telegram_id",
                table: "cabinet_users",
                column: "telegram_id");

            migrationBuilder.CreateIndex(
                name: "ix_notification_history_sent_at",
                table: "notification_history",
                column: "sent_at");

            migrationBuilder.CreateIndex(
                name: "ix_notification_history_telegram_id_event_key",
                table: "notification_history",
                columns: new[] { "telegram_id", "event_key" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_notification_settings_telegram_id",
                table: "notification_settings",
                column: "telegram_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_wb_cabinets_api_key_hash",
                table: "wb_cabinets",
                column: "api_key_hash",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_wb_cabinets_state",
                table: "wb_cabinets",
                column: "state");

            migrationBuilder.CreateIndex(
                name: "ix_wb_notifications_cabinet_id_created_at",
                table: "wb_notifications",
                columns: new[] { "cabinet_id", "created_at" });

            migrationBuilder.CreateIndex(
                name: "ix_wb_notifications_pending_due",
                table: "wb_notifications",
                column: "next_attempt_at",
                filter: "status = 'pending'");

            migrationBuilder.CreateIndex(
                name: "ix_wb_notifications_telegram_id_event_key",
                table: "wb_notifications",
                columns: new[] { "telegram_id", "event_key" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_wb_orders_cabinet_id_date",
                table: "wb_orders",
                columns: new[] { "cabinet_id", "date" });

            migrationBuilder.CreateIndex(
                name: "ix_wb_orders_cabinet_id_srid",
                table: "wb_orders",
                columns: new[] { "cabinet_id", "srid" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_wb_products_cabinet_id_nm_id",
                table: "wb_products",
                columns: new[] { "cabinet_id", "nm_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_wb_reviews_cabinet_id_created_date",
                table: "wb_reviews",
                columns: new[] { "cabinet_id", "created_date" });

            migrationBuilder.CreateIndex(
                name: "ix_wb_reviews_cabinet_id_review_id",
                table: "wb_reviews",
                columns: new[] { "cabinet_id", "review_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_wb_sales_cabinet_id_date",
                table: "wb_sales",
                columns: new[] { "cabinet_id", "date" });

            migrationBuilder.CreateIndex(
                name: "ix_wb_sales_cabinet_id_sale_id",
                table: "wb_sales",
                columns: new[] { "cabinet_id", "sale_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_wb_stocks_cabinet_id_nm_id_chrt_id_warehouse_name",
                table: "wb_stocks",
                columns: new[] { "cabinet_id", "nm_id", "chrt_id", "warehouse_name" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_wb_sync_logs_cabinet_id_started_at",
                table: "wb_sync_logs",
                columns: new[] { "cabinet_id", "started_at" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "cabinet_users");

            migrationBuilder.DropTable(
                name: "data_protection_keys");

            migrationBuilder.DropTable(
                name: "notification_history");

            migrationBuilder.DropTable(
                name: "notification_settings");

            migrationBuilder.DropTable(
                name: "wb_notifications");

            migrationBuilder.DropTable(
                name: "wb_orders");

            migrationBuilder.DropTable(
                name: "wb_products");

            migrationBuilder.DropTable(
                name: "wb_rate_limits");

            migrationBuilder.DropTable(
                name: "wb_reviews");

            migrationBuilder.DropTable(
                name: "wb_sales");

            migrationBuilder.DropTable(
                name: "wb_stocks");

            migrationBuilder.DropTable(
                name: "wb_sync_cursors");

            migrationBuilder.DropTable(
                name: "wb_sync_logs");

            migrationBuilder.DropTable(
                name: "wb_cabinets");
        }
    }
}
