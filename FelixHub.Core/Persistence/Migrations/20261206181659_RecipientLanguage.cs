using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FelixHub.Core.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class RecipientLanguage : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "language",
                table: "recipient_preferences",
                type: "character varying(8)",
                maxLength: 8,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "language",
                table: "recipient_preferences");
        }
    }
}
