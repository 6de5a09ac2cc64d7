using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FelixHub.Core.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class RecipientPreferences : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "recipient_preferences",
                columns: table => new
                {
                    chat_id = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false),
                    status_changes = table.Column<bool>(type: "boolean", nullable: false),
                    assignments = table.Column<bool>(type: "boolean", nullable: false),
                    ready = table.Column<bool>(type: "boolean", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_recipient_preferences", x => x.chat_id);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "recipient_preferences");
        }
    }
}
