using System;
using System.Collections.Generic;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace FelixHub.Core.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class Baseline : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Pacing state of the shared Telegram rate limit (TelegramRateLimiter). Not mapped as
            // entities: plain SQL on the hot path. UNLOGGED: losing it in a crash costs nothing.
            migrationBuilder.Sql("""
                CREATE UNLOGGED TABLE telegram_rate_limit (
                    id integer PRIMARY KEY CHECK (id = 1),
                    next_at timestamptz NOT NULL DEFAULT '-infinity');
                INSERT INTO telegram_rate_limit (id) VALUES (1);
                CREATE UNLOGGED TABLE telegram_chat_limits (
                    chat_id varchar(50) PRIMARY KEY,
                    next_at timestamptz NOT NULL);
                CREATE INDEX ix_telegram_chat_limits_next_at ON telegram_chat_limits (next_at);
                """);

            migrationBuilder.CreateTable(
                name: "booking_users",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    telegram_id = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: true),
                    name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_booking_users", x => x.id);
                });

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
                name: "delivery_messages",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    kind = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false),
                    dedup_key = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    chat_id = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: true),
                    text = table.Column<string>(type: "text", nullable: false),
                    parse_mode = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false, defaultValue: "HTML"),
                    reply_markup = table.Column<string>(type: "jsonb", nullable: true),
                    photo_url = table.Column<string>(type: "text", nullable: true),
                    order_id = table.Column<int>(type: "integer", nullable: true),
                    mechanic_id = table.Column<int>(type: "integer", nullable: true),
                    booking_id = table.Column<int>(type: "integer", nullable: true),
                    cabinet_id = table.Column<long>(type: "bigint", nullable: true),
                    event_key = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    state = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false, defaultValue: "pending"),
                    attempts = table.Column<int>(type: "integer", nullable: false, defaultValue: 0),
                    last_error = table.Column<string>(type: "text", nullable: true),
                    due_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    next_attempt_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    claim_token = table.Column<Guid>(type: "uuid", nullable: true),
                    expires_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    sent_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    finished_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    telegram_message_id = table.Column<int>(type: "integer", nullable: true),
                    job_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    request_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_delivery_messages", x => x.id);
                    table.CheckConstraint("ck_delivery_messages_state", "state IN ('pending', 'sending', 'sent', 'failed', 'skipped', 'cancelled')");
                });

            migrationBuilder.CreateTable(
                name: "mechanics",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    telegram_id = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_mechanics", x => x.id);
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
                name: "telegram_bot_state",
                columns: table => new
                {
                    bot_id = table.Column<long>(type: "bigint", nullable: false),
                    last_update_id = table.Column<long>(type: "bigint", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_telegram_bot_state", x => x.bot_id);
                });

            migrationBuilder.CreateTable(
                name: "telegram_sellers",
                columns: table => new
                {
                    telegram_id = table.Column<long>(type: "bigint", nullable: false),
                    state = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    username = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    first_name = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    refused_keys = table.Column<int>(type: "integer", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_telegram_sellers", x => x.telegram_id);
                });

            migrationBuilder.CreateTable(
                name: "telegram_updates",
                columns: table => new
                {
                    bot_id = table.Column<long>(type: "bigint", nullable: false),
                    update_id = table.Column<long>(type: "bigint", nullable: false),
                    chat_id = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: true),
                    kind = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    source = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: false),
                    outcome = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    handled_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_telegram_updates", x => new { x.bot_id, x.update_id });
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
                name: "bookings",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    user_id = table.Column<int>(type: "integer", nullable: false),
                    resource_name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    start_time = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    end_time = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    status = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    cancelled_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_bookings", x => x.id);
                    table.CheckConstraint("ck_bookings_end_after_start", "end_time > start_time");
                    table.CheckConstraint("ck_bookings_status", "status IN ('active', 'cancelled')");
                    table.ForeignKey(
                        name: "fk_bookings_user_user_id",
                        column: x => x.user_id,
                        principalTable: "booking_users",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "mechanic_link_tokens",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    mechanic_id = table.Column<int>(type: "integer", nullable: false),
                    token_hash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    expires_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    used_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    used_chat_id = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_mechanic_link_tokens", x => x.id);
                    table.ForeignKey(
                        name: "fk_mechanic_link_tokens_mechanic_mechanic_id",
                        column: x => x.mechanic_id,
                        principalTable: "mechanics",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "orders",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    car_number = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    category = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    parts = table.Column<List<string>>(type: "text[]", nullable: false),
                    status = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    assigned_mechanic_id = table.Column<int>(type: "integer", nullable: true),
                    customer_telegram_id = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    status_changed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_orders", x => x.id);
                    table.ForeignKey(
                        name: "fk_orders_mechanics_assigned_mechanic_id",
                        column: x => x.assigned_mechanic_id,
                        principalTable: "mechanics",
                        principalColumn: "id",
                        onDelete: ReferentialAction.SetNull);
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

            migrationBuilder.CreateTable(
                name: "inbox_notifications",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    type = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    message = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: false),
                    priority = table.Column<int>(type: "integer", nullable: false),
                    work_order_id = table.Column<int>(type: "integer", nullable: true),
                    metadata = table.Column<string>(type: "jsonb", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    pushed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_inbox_notifications", x => x.id);
                    table.CheckConstraint("ck_inbox_notifications_type", "type IN ('issue_detected', 'office_alert', 'status_update', 'equipment_alert', 'inventory_alert', 'work_order_update')");
                    table.ForeignKey(
                        name: "fk_inbox_notifications_order_work_order_id",
                        column: x => x.work_order_id,
                        principalTable: "orders",
                        principalColumn: "id",
                        onDelete: ReferentialAction.SetNull);
                });

            migrationBuilder.CreateTable(
                name: "notification_logs",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    notification_type = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false),
                    order_id = table.Column<int>(type: "integer", nullable: true),
                    mechanic_id = table.Column<int>(type: "integer", nullable: true),
                    telegram_id = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false),
                    message_hash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    sent_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()"),
                    success = table.Column<bool>(type: "boolean", nullable: false),
                    error_message = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_notification_logs", x => x.id);
                    table.ForeignKey(
                        name: "fk_notification_logs_mechanics_mechanic_id",
                        column: x => x.mechanic_id,
                        principalTable: "mechanics",
                        principalColumn: "id",
                        onDelete: ReferentialAction.SetNull);
                    table.ForeignKey(
                        name: "fk_notification_logs_orders_order_id",
                        column: x => x.order_id,
                        principalTable: "orders",
                        principalColumn: "id",
                        onDelete: ReferentialAction.SetNull);
                });

            migrationBuilder.CreateTable(
                name: "order_status_changes",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    order_id = table.Column<int>(type: "integer", nullable: false),
                    old_status = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    new_status = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    changed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    request_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_order_status_changes", x => x.id);
                    table.ForeignKey(
                        name: "fk_order_status_changes_orders_order_id",
                        column: x => x.order_id,
                        principalTable: "orders",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "inbox_recipients",
                columns: table => new
                {
                    notification_id = table.Column<Guid>(type: "uuid", nullable: false),
                    user_id = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    read_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_inbox_recipients", x => new { x.notification_id, x.user_id });
                    table.ForeignKey(
                        name: "fk_inbox_recipients_inbox_notifications_notification_id",
                        column: x => x.notification_id,
                        principalTable: "inbox_notifications",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_booking_users_telegram_id",
                table: "booking_users",
                column: "telegram_id");

            migrationBuilder.CreateIndex(
                name: "ix_bookings_start_time",
                table: "bookings",
                column: "start_time");

            migrationBuilder.CreateIndex(
                name: "ix_bookings_user_id",
                table: "bookings",
                column: "user_id");

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
                name: "ix_delivery_messages_booking_id",
                table: "delivery_messages",
                column: "booking_id");

            migrationBuilder.CreateIndex(
                name: "ix_delivery_messages_cabinet_id",
                table: "delivery_messages",
                column: "cabinet_id",
                filter: "cabinet_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_delivery_messages_chat_id",
                table: "delivery_messages",
                column: "chat_id");

            migrationBuilder.CreateIndex(
                name: "ix_delivery_messages_created_at",
                table: "delivery_messages",
                column: "created_at");

            migrationBuilder.CreateIndex(
                name: "ix_delivery_messages_dedup_key",
                table: "delivery_messages",
                column: "dedup_key",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_delivery_messages_due",
                table: "delivery_messages",
                column: "next_attempt_at",
                filter: "next_attempt_at IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_delivery_messages_finished_at",
                table: "delivery_messages",
                column: "finished_at",
                filter: "finished_at IS NOT NULL")
                .Annotation("Npgsql:IndexInclude", new[] { "kind", "state" });

            migrationBuilder.CreateIndex(
                name: "ix_delivery_messages_order_id",
                table: "delivery_messages",
                column: "order_id");

            migrationBuilder.CreateIndex(
                name: "ix_inbox_notifications_created_at",
                table: "inbox_notifications",
                column: "created_at");

            migrationBuilder.CreateIndex(
                name: "ix_inbox_notifications_work_order_id",
                table: "inbox_notifications",
                column: "work_order_id");

            migrationBuilder.CreateIndex(
                name: "ix_inbox_recipients_read_at",
                table: "inbox_recipients",
                column: "read_at",
                filter: "read_at IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_inbox_recipients_unread",
                table: "inbox_recipients",
                column: "user_id",
                filter: "read_at IS NULL");

            migrationBuilder.CreateIndex(
                name: "ix_inbox_recipients_user_id",
                table: "inbox_recipients",
                column: "user_id");

            migrationBuilder.CreateIndex(
                name: "ix_mechanic_link_tokens_expires_at",
                table: "mechanic_link_tokens",
                column: "expires_at");

            migrationBuilder.CreateIndex(
                name: "ix_mechanic_link_tokens_mechanic_id",
                table: "mechanic_link_tokens",
                column: "mechanic_id");

            migrationBuilder.CreateIndex(
                name: "ix_mechanic_link_tokens_token_hash",
                table: "mechanic_link_tokens",
                column: "token_hash",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_mechanics_telegram_id",
                table: "mechanics",
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
                name: "ix_notification_logs_failures_sent_at",
                table: "notification_logs",
                column: "sent_at",
                filter: "NOT success");

            migrationBuilder.CreateIndex(
                name: "ix_notification_logs_mechanic_id",
                table: "notification_logs",
                column: "mechanic_id");

            migrationBuilder.CreateIndex(
                name: "ix_notification_logs_notification_type_sent_at",
                table: "notification_logs",
                columns: new[] { "notification_type", "sent_at" });

            migrationBuilder.CreateIndex(
                name: "ix_notification_logs_order_id",
                table: "notification_logs",
                column: "order_id");

            migrationBuilder.CreateIndex(
                name: "ix_notification_logs_sent_at",
                table: "notification_logs",
                column: "sent_at");

            migrationBuilder.CreateIndex(
                name: "ux_notification_logs_message_hash_sent",
                table: "notification_logs",
                column: "message_hash",
                unique: true,
                filter: "success");

            migrationBuilder.CreateIndex(
                name: "ix_notification_settings_telegram_id",
                table: "notification_settings",
                column: "telegram_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_order_status_changes_changed_at",
                table: "order_status_changes",
                column: "changed_at");

            migrationBuilder.CreateIndex(
                name: "ix_order_status_changes_order_id",
                table: "order_status_changes",
                column: "order_id");

            migrationBuilder.CreateIndex(
                name: "ix_orders_assigned_mechanic_id",
                table: "orders",
                column: "assigned_mechanic_id");

            migrationBuilder.CreateIndex(
                name: "ix_orders_created_at",
                table: "orders",
                column: "created_at");

            migrationBuilder.CreateIndex(
                name: "ix_orders_status_status_changed_at",
                table: "orders",
                columns: new[] { "status", "status_changed_at" });

            migrationBuilder.CreateIndex(
                name: "ix_telegram_updates_bot_id_chat_id_handled_at",
                table: "telegram_updates",
                columns: new[] { "bot_id", "chat_id", "handled_at" });

            migrationBuilder.CreateIndex(
                name: "ix_telegram_updates_handled_at",
                table: "telegram_updates",
                column: "handled_at");

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

            migrationBuilder.CreateIndex(
                name: "ix_wb_sync_logs_started_at",
                table: "wb_sync_logs",
                column: "started_at");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TABLE telegram_chat_limits; DROP TABLE telegram_rate_limit;");

            migrationBuilder.DropTable(
                name: "bookings");

            migrationBuilder.DropTable(
                name: "cabinet_users");

            migrationBuilder.DropTable(
                name: "data_protection_keys");

            migrationBuilder.DropTable(
                name: "delivery_messages");

            migrationBuilder.DropTable(
                name: "inbox_recipients");

            migrationBuilder.DropTable(
                name: "mechanic_link_tokens");

            migrationBuilder.DropTable(
                name: "notification_history");

            migrationBuilder.DropTable(
                name: "notification_logs");

            migrationBuilder.DropTable(
                name: "notification_settings");

            migrationBuilder.DropTable(
                name: "order_status_changes");

            migrationBuilder.DropTable(
                name: "telegram_bot_state");

            migrationBuilder.DropTable(
                name: "telegram_sellers");

            migrationBuilder.DropTable(
                name: "telegram_updates");

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
                name: "booking_users");

            migrationBuilder.DropTable(
                name: "inbox_notifications");

            migrationBuilder.DropTable(
                name: "wb_cabinets");

            migrationBuilder.DropTable(
                name: "orders");

            migrationBuilder.DropTable(
                name: "mechanics");
        }
    }
}
