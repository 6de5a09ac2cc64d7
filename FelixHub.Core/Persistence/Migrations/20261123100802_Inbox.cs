using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FelixHub.Core.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class Inbox : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
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
                        name: "fk_inbox_notifications_orders_work_order_id",
                        column: x => x.work_order_id,
                        principalTable: "orders",
                        principalColumn: "id",
                        onDelete: ReferentialAction.SetNull);
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
                name: "ix_inbox_notifications_created_at",
                table: "inbox_notifications",
                column: "created_at");

            migrationBuilder.CreateIndex(
                name: "ix_inbox_notifications_work_order_id",
                table: "inbox_notifications",
                column: "work_order_id");

            migrationBuilder.CreateIndex(
                name: "ix_inbox_recipients_unread",
                table: "inbox_recipients",
                column: "user_id",
                filter: "read_at IS NULL");

            migrationBuilder.CreateIndex(
                name: "ix_inbox_recipients_user_id",
                table: "inbox_recipients",
                column: "user_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "inbox_recipients");

            migrationBuilder.DropTable(
                name: "inbox_notifications");
        }
    }
}
