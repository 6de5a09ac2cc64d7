using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FelixHub.Core.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class WbDataRetention : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "ix_wb_sales_date",
                table: "wb_sales",
                column: "date");

            migrationBuilder.CreateIndex(
                name: "ix_wb_reviews_created_date",
                table: "wb_reviews",
                column: "created_date");

            migrationBuilder.CreateIndex(
                name: "ix_wb_orders_date",
                table: "wb_orders",
                column: "date");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_wb_sales_date",
                table: "wb_sales");

            migrationBuilder.DropIndex(
                name: "ix_wb_reviews_created_date",
                table: "wb_reviews");

            migrationBuilder.DropIndex(
                name: "ix_wb_orders_date",
                table: "wb_orders");
        }
    }
}
