using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FelixHub.Core.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class DashboardFilterIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "ix_delivery_messages_cabinet_id",
                table: "delivery_messages",
                column: "cabinet_id",
                filter: "cabinet_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_delivery_messages_chat_id",
                table: "delivery_messages",
                column: "chat_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_delivery_messages_cabinet_id",
                table: "delivery_messages");

            migrationBuilder.DropIndex(
                name: "ix_delivery_messages_chat_id",
                table: "delivery_messages");
        }
    }
}
