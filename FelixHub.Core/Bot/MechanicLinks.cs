using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using FelixHub.Core.Orders;
using FelixHub.Core.Common;
using FelixHub.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FelixHub.Core.Bot;

public sealed record MechanicTelegramLinkResponse(string Url, DateTimeOffset ExpiresAt);

public enum LinkRedemption
{
    Linked,
    Unknown,
    AlreadyUsed,
    Expired,
}

public sealed record LinkResult(LinkRedemption Outcome, int? MechanicId = null, string? MechanicName = null);

/// <summary>
/// One-time links that connect a mechanic's Telegram chat: an admin asks for one, the mechanic opens
/// <c>https://t.me/&lt;bot&gt;?start=mech_...</c>, and the bot stores the chat as their telegram_id.
/// Tokens are 192 random bits (base64url), stored as SHA-256 only, single use, and expire after
/// <c>Telegram:LinkTokenMinutes</c>.
/// </summary>
public sealed partial class MechanicLinks(
    FelixHubDbContext db,
    BotIdentity identity,
    IOptionsMonitor<BotOptions> options,
    TimeProvider time,
    ILogger<MechanicLinks> logger)
{
    public const string TokenPrefix = "mech_";

    public async Task<MechanicTelegramLinkResponse> CreateAsync(int mechanicId, CancellationToken ct)
    {
        if (!await db.Mechanics.AnyAsync(m => m.Id == mechanicId, ct)) throw new NotFoundException("Mechanic", mechanicId);
        var username = await identity.GetUsernameAsync(ct);

        var token = TokenPrefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(24));
        var now = time.GetUtcNow();
        var expiresAt = now.AddMinutes(options.CurrentValue.LinkTokenMinutes);
        db.Set<MechanicLinkToken>().Add(new MechanicLinkToken { MechanicId = mechanicId, TokenHash = Hash(token), CreatedAt = now, ExpiresAt = expiresAt });
        await db.SaveChangesAsync(ct);
        LogIssued(logger, mechanicId, expiresAt);
        return new MechanicTelegramLinkResponse($"https://t.me/{username}?start={token}", expiresAt);
    }

    /// <summary>True for what <see cref="CreateAsync"/> puts after <c>?start=</c>; other start parameters belong to other flows.</summary>
    public static bool LooksLikeToken(string? value) => value is not null && TokenPattern().IsMatch(value);

    /// <summary>Spends a token for <paramref name="chatId"/>, inside the caller's transaction (the token row is locked).</summary>
    public async Task<LinkResult> RedeemAsync(string token, string chatId, CancellationToken ct)
    {
        var hash = Hash(token);
        var link = await db.Set<MechanicLinkToken>()
            .FromSql($"SELECT * FROM mechanic_link_tokens WHERE token_hash = {hash} FOR UPDATE")
            .SingleOrDefaultAsync(ct);
        if (link is null) return new LinkResult(LinkRedemption.Unknown);
        if (link.UsedAt is not null) return new LinkResult(LinkRedemption.AlreadyUsed, link.MechanicId);
        var now = time.GetUtcNow();
        if (now >= link.ExpiresAt) return new LinkResult(LinkRedemption.Expired, link.MechanicId);

        var mechanic = await db.Mechanics.SingleAsync(m => m.Id == link.MechanicId, ct);
        mechanic.TelegramId = chatId;
        link.UsedAt = now;
        link.UsedChatId = chatId;
        await db.SaveChangesAsync(ct);
        LogLinked(logger, mechanic.Id, chatId);
        return new LinkResult(LinkRedemption.Linked, mechanic.Id, mechanic.Name);
    }

    internal static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    [GeneratedRegex("^mech_[A-Za-z0-9_-]{32}$")]
    private static partial Regex TokenPattern();

    [LoggerMessage(Level = LogLevel.Information, Message = "Telegram link issued for mechanic {MechanicId}, valid until {ExpiresAt}")]
    private static partial void LogIssued(ILogger logger, int mechanicId, DateTimeOffset expiresAt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Mechanic {MechanicId} linked to Telegram chat {ChatId}")]
    private static partial void LogLinked(ILogger logger, int mechanicId, string chatId);
}
