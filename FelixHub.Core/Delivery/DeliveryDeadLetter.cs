using System.Globalization;
using FelixHub.Core.Common;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace FelixHub.Core.Delivery;

/// <summary>
/// A message that will not be delivered: its state becomes <c>failed</c> and one critical
/// <c>DEAD_LETTER</c> line names it — once per message, never for a failed job that is not a message
/// (a sync or dispatch run fails as a job under its own name).
/// </summary>
public sealed partial class DeliveryDeadLetter(NpgsqlDataSource dataSource, TimeProvider time, ILogger<DeliveryDeadLetter> logger)
{
    /// <summary>
    /// Called when the send job of <paramref name="messageId"/> has used up its retries (Hangfire moves it
    /// to Failed). Only a message still waiting for a send is failed and reported; one that is already
    /// final was reported (or delivered) before.
    /// </summary>
    public void RetriesExhausted(long messageId, string reason)
    {
        using var command = dataSource.CreateCommand("""
            UPDATE delivery_messages SET state = 'failed', finished_at = $2, last_error = coalesce(last_error, $3)
            WHERE id = $1 AND state IN ('pending', 'sending')
            RETURNING kind, order_id, chat_id
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = messageId });
        command.Parameters.Add(new NpgsqlParameter { Value = time.GetUtcNow() });
        command.Parameters.Add(new NpgsqlParameter { Value = reason });
        using var reader = command.ExecuteReader();
        if (!reader.Read()) return;
        int? orderId = reader.IsDBNull(1) ? null : reader.GetInt32(1);
        var chatId = reader.IsDBNull(2) ? "" : reader.GetString(2);
        using var scope = Correlation.PushAll(new Dictionary<string, string>
        {
            ["messageId"] = messageId.ToString(CultureInfo.InvariantCulture),
            ["chatId"] = chatId,
        });
        Log(logger, messageId, reader.GetString(0), orderId, chatId, reason);
    }

    public static void Log(ILogger logger, long messageId, string kind, int? orderId, string chatId, string reason) =>
        LogDeadLetter(logger, messageId, kind, orderId, chatId, reason);

    [LoggerMessage(Level = LogLevel.Critical,
        Message = "DEAD_LETTER: message {MessageId} ({Kind}, orderId={OrderId}, chatId={ChatId}) was not delivered and is failed: {Reason}")]
    private static partial void LogDeadLetter(ILogger logger, long messageId, string kind, int? orderId, string chatId, string reason);
}
