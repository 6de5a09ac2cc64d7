using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FelixHub.Core.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class WbKeyCategoriesAndSellerLimits : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // The limits move from per cabinet to per seller account: the old rows (the next allowed call
            // of a few minutes at most) cannot be keyed by account, and losing them costs at most one 429.
            migrationBuilder.Sql("DELETE FROM wb_rate_limits;");

            migrationBuilder.DropForeignKey(
                name: "fk_wb_rate_limits_wb_cabinets_cabinet_id",
                table: "wb_rate_limits");

            migrationBuilder.DropPrimaryKey(
                name: "pk_wb_rate_limits",
                table: "wb_rate_limits");

            migrationBuilder.DropColumn(
                name: "cabinet_id",
                table: "wb_rate_limits");

            migrationBuilder.AddColumn<string>(
                name: "account",
                table: "wb_rate_limits",
                type: "character varying(100)",
                maxLength: 100,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<int>(
                name: "key_scopes",
                table: "wb_cabinets",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "last_sync_started_at",
                table: "wb_cabinets",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "rate_limit_account",
                table: "wb_cabinets",
                type: "character varying(100)",
                maxLength: 100,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "refused_categories",
                table: "wb_cabinets",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddPrimaryKey(
                name: "pk_wb_rate_limits",
                table: "wb_rate_limits",
                columns: new[] { "account", "endpoint" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DELETE FROM wb_rate_limits;");

            migrationBuilder.DropPrimaryKey(
                name: "pk_wb_rate_limits",
                table: "wb_rate_limits");

            migrationBuilder.DropColumn(
                name: "account",
                table: "wb_rate_limits");

            migrationBuilder.DropColumn(
                name: "key_scopes",
                table: "wb_cabinets");

            migrationBuilder.DropColumn(
                name: "last_sync_started_at",
                table: "wb_cabinets");

            migrationBuilder.DropColumn(
                name: "rate_limit_account",
                table: "wb_cabinets");

            migrationBuilder.DropColumn(
                name: "refused_categories",
                table: "wb_cabinets");

            migrationBuilder.AddColumn<long>(
                name: "cabinet_id",
                table: "wb_rate_limits",
                type: "bigint",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddPrimaryKey(
                name: "pk_wb_rate_limits",
                table: "wb_rate_limits",
                columns: new[] { "cabinet_id", "endpoint" });

            migrationBuilder.AddForeignKey(
                name: "fk_wb_rate_limits_wb_cabinets_cabinet_id",
                table: "wb_rate_limits",
                column: "cabinet_id",
                principalTable: "wb_cabinets",
                principalColumn: "id",
                onDelete: ReferentialAction.Cascade);
        }
    }
}
