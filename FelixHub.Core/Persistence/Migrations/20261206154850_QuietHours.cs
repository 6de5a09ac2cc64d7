using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FelixHub.Core.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class QuietHours : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<TimeOnly>(
                name: "quiet_from",
                table: "recipient_preferences",
                type: "time without time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "quiet_mode",
                table: "recipient_preferences",
                type: "character varying(10)",
                maxLength: 10,
                nullable: true);

            migrationBuilder.AddColumn<TimeOnly>(
                name: "quiet_to",
                table: "recipient_preferences",
                type: "time without time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "time_zone",
                table: "recipient_preferences",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "quiet_from",
                table: "recipient_preferences");

            migrationBuilder.DropColumn(
                name: "quiet_mode",
                table: "recipient_preferences");

            migrationBuilder.DropColumn(
                name: "quiet_to",
                table: "recipient_preferences");

            migrationBuilder.DropColumn(
                name: "time_zone",
                table: "recipient_preferences");
        }
    }
}
