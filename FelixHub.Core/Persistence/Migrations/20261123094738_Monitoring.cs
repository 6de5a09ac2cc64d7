using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FelixHub.Core.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class Monitoring : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "ix_notification_logs_failures_sent_at",
                table: "notification_logs",
                column: "sent_at",
                filter: "NOT success");

            migrationBuilder.CreateIndex(
                name: "ix_notification_logs_sent_at",
                table: "notification_logs",
                column: "sent_at")
                .Annotation("Npgsql:IndexInclude", new[] { "notification_type", "success" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_notification_logs_failures_sent_at",
                table: "notification_logs");

            migrationBuilder.DropIndex(
                name: "ix_notification_logs_sent_at",
                table: "notification_logs");
        }
    }
}
