using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using FelixHub.Core.Bookings;
using FelixHub.Core.Common;
using FelixHub.Core.Orders;
using FelixHub.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FelixHub.Core.Bot;

public sealed record TelegramLinkResponse(string Url, DateTimeOffset ExpiresAt);

public enum LinkRedemption
{
    Linked,
    Unknown,
    AlreadyUsed,
    Expired,

    /// <summary>The link is a deactivated mechanic's: not spent, nothing linked.</summary>
    Deactivated,
}

/// <summary>Whose chat a link connects.</summary>
public enum LinkOwner
{
    Mechanic,
    User,
}

public sealed record LinkResult(LinkRedemption Outcome, LinkOwner? Owner = null, int? OwnerId = null, string? OwnerName = null);

/// <summary>
/// One-time links that connect a Telegram chat: an admin asks for one for a mechanic
/// (<c>https://t.me/&lt;bot&gt;?start=mech_...</c>) or for a booking user (<c>?start=user_...</c>), the
/// person opens it, and the bot stores the chat as their telegram_id. Tokens are 192 random bits
/// (base64url), stored as SHA-256 only, single use, and expire after <c>Telegram:LinkTokenMinutes</c>.
/// A deactivated mechanic gets no link, and one issued before is refused.
/// </summary>
public sealed partial class TelegramLinks(
    FelixHubDbContext db,
    BotIdentity identity,
    IOptionsMonitor<BotOptions> options,
    TimeProvider time,
    ILogger<TelegramLinks> logger)
{
    public const string MechanicPrefix = "mech_";
    public const string UserPrefix = "user_";

    public async Task<TelegramLinkResponse> CreateForMechanicAsync(int mechanicId, CancellationToken ct)
    {
        var active = await db.Mechanics.Where(m => m.Id == mechanicId).Select(m => (bool?)m.Active).SingleOrDefaultAsync(ct)
            ?? throw new NotFoundException("Mechanic", mechanicId);
        if (!active)
            throw new ConflictException("The mechanic is deactivated.", $"Mechanic {mechanicId} is deactivated: reactivate them (PATCH with \"active\": true) before linking Telegram.");
        return await CreateAsync(MechanicPrefix, new TelegramLinkToken { MechanicId = mechanicId, TokenHash = "" }, ct);
    }

    public async Task<TelegramLinkResponse> CreateForUserAsync(int userId, CancellationToken ct)
    {
        if (!await db.Set<User>().AnyAsync(u => u.Id == userId, ct)) throw new NotFoundException("User", userId);
        return await CreateAsync(UserPrefix, new TelegramLinkToken { UserId = userId, TokenHash = "" }, ct);
    }

    private async Task<TelegramLinkResponse> CreateAsync(string prefix, TelegramLinkToken link, CancellationToken ct)
    {
        var username = await identity.GetUsernameAsync(ct);
        var token = prefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(24));
        var now = time.GetUtcNow();
        link.TokenHash = Hash(token);
        link.CreatedAt = now;
        link.ExpiresAt = now.AddMinutes(options.CurrentValue.LinkTokenMinutes);
        db.Set<TelegramLinkToken>().Add(link);
        await db.SaveChangesAsync(ct);
        LogIssued(logger, link.MechanicId is null ? LinkOwner.User : LinkOwner.Mechanic, link.MechanicId ?? link.UserId!.Value, link.ExpiresAt);
        return new TelegramLinkResponse($"https://t.me/{username}?start={token}", link.ExpiresAt);
    }

    /// <summary>True for a start parameter that claims to be a link (<c>mech_...</c>, <c>user_...</c>); other start parameters belong to other flows.</summary>
    public static bool HasLinkPrefix(string? value) =>
        value is not null && (value.StartsWith(MechanicPrefix, StringComparison.Ordinal) || value.StartsWith(UserPrefix, StringComparison.Ordinal));

    /// <summary>True for what the Create methods put after <c>?start=</c>.</summary>
    public static bool LooksLikeToken(string? value) => value is not null && TokenPattern().IsMatch(value);

    /// <summary>Spends a token for <paramref name="chatId"/>, inside the caller's transaction (the token row is locked).</summary>
    public async Task<LinkResult> RedeemAsync(string token, string chatId, CancellationToken ct)
    {
        var hash = Hash(token);
        var link = await db.Set<TelegramLinkToken>()
            .FromSql($"SELECT * FROM telegram_link_tokens WHERE token_hash = {hash} FOR UPDATE")
            .SingleOrDefaultAsync(ct);
        if (link is null) return new LinkResult(LinkRedemption.Unknown);
        var owner = link.MechanicId is null ? LinkOwner.User : LinkOwner.Mechanic;
        var ownerId = link.MechanicId ?? link.UserId!.Value;
        if (link.UsedAt is not null) return new LinkResult(LinkRedemption.AlreadyUsed, owner, ownerId);
        var now = time.GetUtcNow();
        if (now >= link.ExpiresAt) return new LinkResult(LinkRedemption.Expired, owner, ownerId);

        string? name;
        if (owner == LinkOwner.Mechanic)
        {
            var mechanic = await db.Mechanics.SingleAsync(m => m.Id == ownerId, ct);
            if (!mechanic.Active) return new LinkResult(LinkRedemption.Deactivated, owner, ownerId);
            mechanic.TelegramId = chatId;
            name = mechanic.Name;
        }
        else
        {
            var user = await db.Set<User>().SingleAsync(u => u.Id == ownerId, ct);
            user.TelegramId = chatId;
            name = user.Name;
        }
        link.UsedAt = now;
        link.UsedChatId = chatId;
        await db.SaveChangesAsync(ct);
        LogLinked(logger, owner, ownerId, chatId);
        return new LinkResult(LinkRedemption.Linked, owner, ownerId, name);
    }

    internal static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    [GeneratedRegex("^(mech|user)_[A-Za-z0-9_-]{32}$")]
    private static partial Regex TokenPattern();

    [LoggerMessage(Level = LogLevel.Information, Message = "Telegram link issued for {Owner} {OwnerId}, valid until {ExpiresAt}")]
    private static partial void LogIssued(ILogger logger, LinkOwner owner, int ownerId, DateTimeOffset expiresAt);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Owner} {OwnerId} linked to Telegram chat {ChatId}")]
    private static partial void LogLinked(ILogger logger, LinkOwner owner, int ownerId, string chatId);
}
