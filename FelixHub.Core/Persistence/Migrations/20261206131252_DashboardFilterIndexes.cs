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
            // Built without blocking the pipeline's writes on a full ledger (CONCURRENTLY runs outside a transaction).
            migrationBuilder.Sql(
                "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_delivery_messages_cabinet_id ON delivery_messages (cabinet_id) WHERE cabinet_id IS NOT NULL;",
                suppressTransaction: true);
            migrationBuilder.Sql(
                "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_delivery_messages_chat_id ON delivery_messages (chat_id);",
                suppressTransaction: true);
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
