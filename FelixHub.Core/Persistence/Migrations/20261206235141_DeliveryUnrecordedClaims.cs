using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FelixHub.Core.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class DeliveryUnrecordedClaims : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "unrecorded_claims",
                table: "delivery_messages",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            // A claim now counts in unrecorded_claims, not in attempts (attempts count recorded outcomes only):
            // a message an earlier release has claimed at this moment moves its claim over.
            migrationBuilder.Sql("""
                UPDATE delivery_messages SET attempts = attempts - 1, unrecorded_claims = 1
                WHERE state = 'sending' AND next_attempt_at IS NOT NULL AND attempts > 0
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "unrecorded_claims",
                table: "delivery_messages");
        }
    }
}
