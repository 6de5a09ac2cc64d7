using FelixHub.Core.Common;
using FelixHub.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace FelixHub.Core.Recipients;

/// <summary>A chat's order-notification choices as the API shows them; a chat that never chose has everything on.</summary>
public sealed record RecipientPreferencesResponse(string TelegramId, bool StatusChanges, bool Assignments, bool Ready, DateTimeOffset? UpdatedAt)
{
    public static RecipientPreferencesResponse From(string chatId, RecipientPreferences? p) =>
        new(chatId, p?.StatusChanges ?? true, p?.Assignments ?? true, p?.Ready ?? true, p?.UpdatedAt);
}

/// <summary>A change of choices: a field left out (or null) is unchanged.</summary>
public sealed record UpdateRecipientPreferencesRequest(bool? StatusChanges, bool? Assignments, bool? Ready);

/// <summary>Reads and changes the order-notification choices of a Telegram chat (the API and the bot's <c>/settings</c>).</summary>
public sealed class RecipientPreferencesService(FelixHubDbContext db, TimeProvider time)
{
    public async Task<RecipientPreferencesResponse> GetAsync(string chatId, CancellationToken ct)
    {
        Validate(chatId);
        var row = await db.Set<RecipientPreferences>().AsNoTracking().SingleOrDefaultAsync(p => p.ChatId == chatId, ct);
        return RecipientPreferencesResponse.From(chatId, row);
    }

    /// <summary>One statement (insert or update of the named fields), so two replicas changing different choices of one chat lose neither.</summary>
    public async Task<RecipientPreferencesResponse> UpdateAsync(string chatId, UpdateRecipientPreferencesRequest request, CancellationToken ct)
    {
        Validate(chatId);
        var now = time.GetUtcNow();
        var rows = await db.Set<RecipientPreferences>().FromSql($"""
            INSERT INTO recipient_preferences AS p (chat_id, status_changes, assignments, ready, updated_at)
            VALUES ({chatId}, coalesce({request.StatusChanges}, true), coalesce({request.Assignments}, true), coalesce({request.Ready}, true), {now})
            ON CONFLICT (chat_id) DO UPDATE SET
                status_changes = coalesce({request.StatusChanges}, p.status_changes),
                assignments = coalesce({request.Assignments}, p.assignments),
                ready = coalesce({request.Ready}, p.ready),
                updated_at = {now}
            RETURNING p.*
            """).AsNoTracking().ToListAsync(ct);
        return RecipientPreferencesResponse.From(chatId, rows.Single());
    }

    private static void Validate(string chatId) =>
        new Validator().Check(TelegramChatId.IsValid(chatId), "telegramId", "'telegramId' must be a numeric Telegram chat id or an @username.").ThrowIfInvalid();
}
