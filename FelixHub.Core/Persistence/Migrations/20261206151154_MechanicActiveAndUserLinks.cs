using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FelixHub.Core.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class MechanicActiveAndUserLinks : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Existing mechanics stay active.
            migrationBuilder.AddColumn<bool>(
                name: "active",
                table: "mechanics",
                type: "boolean",
                nullable: false,
                defaultValue: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "deactivated_at",
                table: "mechanics",
                type: "timestamp with time zone",
                nullable: true);

            // mechanic_link_tokens becomes telegram_link_tokens (mechanics' and booking users' links);
            // links handed out before keep working.
            migrationBuilder.Sql("""
                ALTER TABLE mechanic_link_tokens RENAME TO telegram_link_tokens;
                ALTER TABLE telegram_link_tokens RENAME CONSTRAINT pk_mechanic_link_tokens TO pk_telegram_link_tokens;
                ALTER TABLE telegram_link_tokens RENAME CONSTRAINT fk_mechanic_link_tokens_mechanic_mechanic_id TO fk_telegram_link_tokens_mechanic_mechanic_id;
                ALTER INDEX ix_mechanic_link_tokens_expires_at RENAME TO ix_telegram_link_tokens_expires_at;
                ALTER INDEX ix_mechanic_link_tokens_mechanic_id RENAME TO ix_telegram_link_tokens_mechanic_id;
                ALTER INDEX ix_mechanic_link_tokens_token_hash RENAME TO ix_telegram_link_tokens_token_hash;
                """);

            migrationBuilder.AlterColumn<int>(
                name: "mechanic_id",
                table: "telegram_link_tokens",
                type: "integer",
                nullable: true,
                oldClrType: typeof(int),
                oldType: "integer");

            migrationBuilder.AddColumn<int>(
                name: "user_id",
                table: "telegram_link_tokens",
                type: "integer",
                nullable: true);

            migrationBuilder.AddCheckConstraint(
                name: "ck_telegram_link_tokens_one_owner",
                table: "telegram_link_tokens",
                sql: "num_nonnulls(mechanic_id, user_id) = 1");

            migrationBuilder.AddForeignKey(
                name: "fk_telegram_link_tokens_booking_users_user_id",
                table: "telegram_link_tokens",
                column: "user_id",
                principalTable: "booking_users",
                principalColumn: "id",
                onDelete: ReferentialAction.Cascade);

            migrationBuilder.CreateIndex(
                name: "ix_telegram_link_tokens_user_id",
                table: "telegram_link_tokens",
                column: "user_id");

            migrationBuilder.CreateIndex(
                name: "ix_delivery_messages_mechanic_id",
                table: "delivery_messages",
                column: "mechanic_id",
                filter: "mechanic_id IS NOT NULL AND state IN ('pending', 'sending')");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_delivery_messages_mechanic_id",
                table: "delivery_messages");

            // Booking users' links go; mechanics' links stay.
            migrationBuilder.Sql("DELETE FROM telegram_link_tokens WHERE user_id IS NOT NULL;");

            migrationBuilder.DropIndex(
                name: "ix_telegram_link_tokens_user_id",
                table: "telegram_link_tokens");

            migrationBuilder.DropForeignKey(
                name: "fk_telegram_link_tokens_booking_users_user_id",
                table: "telegram_link_tokens");

            migrationBuilder.DropCheckConstraint(
                name: "ck_telegram_link_tokens_one_owner",
                table: "telegram_link_tokens");

            migrationBuilder.DropColumn(
                name: "user_id",
                table: "telegram_link_tokens");

            migrationBuilder.AlterColumn<int>(
                name: "mechanic_id",
                table: "telegram_link_tokens",
                type: "integer",
                nullable: false,
                oldClrType: typeof(int),
                oldType: "integer",
                oldNullable: true);

            migrationBuilder.Sql("""
                ALTER INDEX ix_telegram_link_tokens_token_hash RENAME TO ix_mechanic_link_tokens_token_hash;
                ALTER INDEX ix_telegram_link_tokens_mechanic_id RENAME TO ix_mechanic_link_tokens_mechanic_id;
                ALTER INDEX ix_telegram_link_tokens_expires_at RENAME TO ix_mechanic_link_tokens_expires_at;
                ALTER TABLE telegram_link_tokens RENAME CONSTRAINT fk_telegram_link_tokens_mechanic_mechanic_id TO fk_mechanic_link_tokens_mechanic_mechanic_id;
                ALTER TABLE telegram_link_tokens RENAME CONSTRAINT pk_telegram_link_tokens TO pk_mechanic_link_tokens;
                ALTER TABLE telegram_link_tokens RENAME TO mechanic_link_tokens;
                """);

            migrationBuilder.DropColumn(
                name: "active",
                table: "mechanics");

            migrationBuilder.DropColumn(
                name: "deactivated_at",
                table: "mechanics");
        }
    }
}
