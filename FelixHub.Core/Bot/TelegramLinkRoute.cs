namespace FelixHub.Core.Bot;

/// <summary>
/// <c>/start mech_...</c> or <c>/start user_...</c>: a mechanic or a booking user opened their one-time
/// link (other start parameters are left to other routes).
/// </summary>
internal sealed class TelegramLinkRoute(TelegramLinks links) : IBotRoute
{
    public int Order => 100;

    public async Task<BotResult?> HandleAsync(BotRequest request, CancellationToken cancellationToken)
    {
        if (request.Command != "/start" || !TelegramLinks.HasLinkPrefix(request.Argument)) return null;
        if (!request.IsPrivate) return BotResult.Reply(BotMessages.LinkNotPrivate);
        if (!TelegramLinks.LooksLikeToken(request.Argument)) return BotResult.Reply(BotMessages.LinkUnknown);

        var result = await links.RedeemAsync(request.Argument!, request.ChatId, cancellationToken);
        return BotResult.Reply(result.Outcome switch
        {
            LinkRedemption.Linked when result.Owner == LinkOwner.User => BotMessages.UserLinked(result.OwnerName),
            LinkRedemption.Linked => BotMessages.Linked(result.OwnerName!),
            LinkRedemption.AlreadyUsed => BotMessages.LinkUsed,
            LinkRedemption.Expired => BotMessages.LinkExpired,
            LinkRedemption.Deactivated => BotMessages.LinkDeactivated,
            _ => BotMessages.LinkUnknown,
        });
    }
}
