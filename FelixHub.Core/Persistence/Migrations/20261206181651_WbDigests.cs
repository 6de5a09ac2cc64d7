using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace FelixHub.Core.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class WbDigests : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "critical_stocks_mode",
                table: "notification_settings",
                type: "character varying(10)",
                maxLength: 10,
                nullable: false,
                defaultValue: "immediate");

            migrationBuilder.AddColumn<TimeOnly>(
                name: "digest_time",
                table: "notification_settings",
                type: "time without time zone",
                nullable: false,
                defaultValue: new TimeOnly(9, 0, 0));

            migrationBuilder.AddColumn<string>(
                name: "negative_reviews_mode",
                table: "notification_settings",
                type: "character varying(10)",
                maxLength: 10,
                nullable: false,
                defaultValue: "immediate");

            migrationBuilder.AddColumn<string>(
                name: "new_orders_mode",
                table: "notification_settings",
                type: "character varying(10)",
                maxLength: 10,
                nullable: false,
                defaultValue: "immediate");

            migrationBuilder.AddColumn<string>(
                name: "order_buyouts_mode",
                table: "notification_settings",
                type: "character varying(10)",
                maxLength: 10,
                nullable: false,
                defaultValue: "immediate");

            migrationBuilder.AddColumn<string>(
                name: "order_cancellations_mode",
                table: "notification_settings",
                type: "character varying(10)",
                maxLength: 10,
                nullable: false,
                defaultValue: "immediate");

            migrationBuilder.AddColumn<string>(
                name: "order_returns_mode",
                table: "notification_settings",
                type: "character varying(10)",
                maxLength: 10,
                nullable: false,
                defaultValue: "immediate");

            migrationBuilder.CreateTable(
                name: "wb_digest_items",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    telegram_id = table.Column<long>(type: "bigint", nullable: false),
                    cabinet_id = table.Column<long>(type: "bigint", nullable: false),
                    event_type = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false),
                    event_key = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    nm_id = table.Column<long>(type: "bigint", nullable: false),
                    product = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: true),
                    article = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    amount = table.Column<decimal>(type: "numeric", nullable: true),
                    value = table.Column<int>(type: "integer", nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    period_start = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    due_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    digest_message_id = table.Column<long>(type: "bigint", nullable: true),
                    digested_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_wb_digest_items", x => x.id);
                    table.ForeignKey(
                        name: "fk_wb_digest_items_wb_cabinets_cabinet_id",
                        column: x => x.cabinet_id,
                        principalTable: "wb_cabinets",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.AddCheckConstraint(
                name: "ck_notification_settings_critical_stocks_mode",
                table: "notification_settings",
                sql: "critical_stocks_mode IN ('immediate', 'hourly', 'daily')");

            migrationBuilder.AddCheckConstraint(
                name: "ck_notification_settings_negative_reviews_mode",
                table: "notification_settings",
                sql: "negative_reviews_mode IN ('immediate', 'hourly', 'daily')");

            migrationBuilder.AddCheckConstraint(
                name: "ck_notification_settings_new_orders_mode",
                table: "notification_settings",
                sql: "new_orders_mode IN ('immediate', 'hourly', 'daily')");

            migrationBuilder.AddCheckConstraint(
                name: "ck_notification_settings_order_buyouts_mode",
                table: "notification_settings",
                sql: "order_buyouts_mode IN ('immediate', 'hourly', 'daily')");

            migrationBuilder.AddCheckConstraint(
                name: "ck_notification_settings_order_cancellations_mode",
                table: "notification_settings",
                sql: "order_cancellations_mode IN ('immediate', 'hourly', 'daily')");

            migrationBuilder.AddCheckConstraint(
                name: "ck_notification_settings_order_returns_mode",
                table: "notification_settings",
                sql: "order_returns_mode IN ('immediate', 'hourly', 'daily')");

            migrationBuilder.CreateIndex(
                name: "ix_wb_digest_items_cabinet_id",
                table: "wb_digest_items",
                column: "cabinet_id");

            migrationBuilder.CreateIndex(
                name: "ix_wb_digest_items_digested_at",
                table: "wb_digest_items",
                column: "digested_at");

            migrationBuilder.CreateIndex(
                name: "ix_wb_digest_items_telegram_id_event_key",
                table: "wb_digest_items",
                columns: new[] { "telegram_id", "event_key" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_wb_digest_items_waiting",
                table: "wb_digest_items",
                column: "due_at",
                filter: "digest_message_id IS NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "wb_digest_items");

            migrationBuilder.DropCheckConstraint(
                name: "ck_notification_settings_critical_stocks_mode",
                table: "notification_settings");

            migrationBuilder.DropCheckConstraint(
                name: "ck_notification_settings_negative_reviews_mode",
                table: "notification_settings");

            migrationBuilder.DropCheckConstraint(
                name: "ck_notification_settings_new_orders_mode",
                table: "notification_settings");

            migrationBuilder.DropCheckConstraint(
                name: "ck_notification_settings_order_buyouts_mode",
                table: "notification_settings");

            migrationBuilder.DropCheckConstraint(
                name: "ck_notification_settings_order_cancellations_mode",
                table: "notification_settings");

            migrationBuilder.DropCheckConstraint(
                name: "ck_notification_settings_order_returns_mode",
                table: "notification_settings");

            migrationBuilder.DropColumn(
                name: "critical_stocks_mode",
                table: "notification_settings");

            migrationBuilder.DropColumn(
                name: "digest_time",
                table: "notification_settings");

            migrationBuilder.DropColumn(
                name: "negative_reviews_mode",
                table: "notification_settings");

            migrationBuilder.DropColumn(
                name: "new_orders_mode",
                table: "notification_settings");

            migrationBuilder.DropColumn(
                name: "order_buyouts_mode",
                table: "notification_settings");

            migrationBuilder.DropColumn(
                name: "order_cancellations_mode",
                table: "notification_settings");

            migrationBuilder.DropColumn(
                name: "order_returns_mode",
                table: "notification_settings");
        }
    }
}
