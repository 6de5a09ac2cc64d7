using System.Globalization;
using FelixHub.Core.Wildberries.Sync;
using Npgsql;

namespace FelixHub.Core.Wildberries.Notifications;

/// <summary>
/// The warnings before a cabinet's key expires (<c>wb_cabinets.key_expires_at</c>, the key's <c>exp</c>):
/// 7 days and 1 day before. Checked at registration, on a key replacement and with every sync; only the
/// current stage is written (1 day or less left: the 1-day warning; 7 days or less: the 7-day one), so a key
/// registered with 3 days left is warned at once and a 7-day warning never follows a 1-day one. Each is a
/// delivery-ledger message per user whose event key names the cabinet, the key's expiry and the stage: the
/// ledger's unique dedup key makes it once per user, whichever replica checks and however often.
/// </summary>
public static class WbKeyExpiry
{
    public const string SevenDays = "7d";
    public const string OneDay = "1d";

    /// <summary>The stage a key expiring at <paramref name="expiresAt"/> is in at <paramref name="now"/>: null (nothing to say), 7d or 1d.</summary>
    public static string? StageAt(DateTimeOffset? expiresAt, DateTimeOffset now)
    {
        if (expiresAt is not { } exp || exp <= now) return null;
        var left = exp - now;
        return left <= TimeSpan.FromDays(1) ? OneDay : left <= TimeSpan.FromDays(7) ? SevenDays : null;
    }

    public static string EventKey(long cabinetId, DateTimeOffset expiresAt, string stage) =>
        string.Create(CultureInfo.InvariantCulture, $"key_expiring:{cabinetId}:{expiresAt.ToUnixTimeSeconds()}:{stage}");

    /// <summary>
    /// Writes the current stage's warning for every user of the cabinet who has not had it (or only for
    /// <paramref name="onlyTelegramId"/>), in the caller's transaction if any. A cabinet whose key WB
    /// rejected is not warned (it was told what to do). Returns how many messages were written.
    /// </summary>
    public static async Task<int> WarnAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, long cabinetId, DateTimeOffset now, CancellationToken ct,
        long? onlyTelegramId = null)
    {
        DateTimeOffset? expiresAt;
        await using (var command = new NpgsqlCommand(
            $"SELECT key_expires_at FROM wb_cabinets WHERE id = $1 AND state <> '{Data.CabinetState.KeyRejected}'", connection, tx))
        {
            command.Parameters.Add(SqlJson.Long(cabinetId));
            expiresAt = await command.ExecuteScalarAsync(ct) is DateTime at ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) : null;
        }
        if (StageAt(expiresAt, now) is not { } stage) return 0;
        var warning = new WbEvent(WbEventType.KeyExpiring, EventKey(cabinetId, expiresAt!.Value, stage), WbMessages.KeyExpiring(expiresAt.Value, now), null);
        return await WbSyncStore.EnqueueAsync(connection, tx, cabinetId, [warning], now, ct, onlyTelegramId);
    }
}
