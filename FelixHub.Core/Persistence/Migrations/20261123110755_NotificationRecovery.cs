using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FelixHub.Core.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class NotificationRecovery : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "notification_pending",
                table: "order_status_changes",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.CreateIndex(
                name: "ix_order_status_changes_notification_pending",
                table: "order_status_changes",
                column: "id",
                filter: "notification_pending");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_order_status_changes_notification_pending",
                table: "order_status_changes");

            migrationBuilder.DropColumn(
                name: "notification_pending",
                table: "order_status_changes");
        }
    }
}
