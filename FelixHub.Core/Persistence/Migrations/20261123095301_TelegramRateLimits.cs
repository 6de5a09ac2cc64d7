using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FelixHub.Core.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class TelegramRateLimits : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Pacing state of the shared Telegram rate limit (PostgresTelegramRateLimiter). Not mapped
            // as entities: plain SQL on the hot path. UNLOGGED: losing it in a crash costs nothing.
            migrationBuilder.Sql("""
                CREATE UNLOGGED TABLE telegram_rate_limit (
                    id integer PRIMARY KEY CHECK (id = 1),
                    next_at timestamptz NOT NULL DEFAULT '-infinity');
                INSERT INTO telegram_rate_limit (id) VALUES (1);
                CREATE UNLOGGED TABLE telegram_chat_limits (
                    chat_id varchar(50) PRIMARY KEY,
                    next_at timestamptz NOT NULL);
                CREATE INDEX ix_telegram_chat_limits_next_at ON telegram_chat_limits (next_at);
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TABLE telegram_chat_limits; DROP TABLE telegram_rate_limit;");
        }
    }
}
