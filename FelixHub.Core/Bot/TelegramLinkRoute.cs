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
        var language = request.Language;
        if (!request.IsPrivate) return BotResult.Reply(BotMessages.Text("bot_link_not_private", language));
        if (!TelegramLinks.LooksLikeToken(request.Argument)) return BotResult.Reply(BotMessages.Text("bot_link_unknown", language));

        var result = await links.RedeemAsync(request.Argument!, request.ChatId, cancellationToken);
        return BotResult.Reply(result.Outcome switch
        {
            LinkRedemption.Linked when result.Owner == LinkOwner.User => BotMessages.UserLinked(result.OwnerName, language),
            LinkRedemption.Linked => BotMessages.Linked(result.OwnerName!, language),
            LinkRedemption.AlreadyUsed => BotMessages.Text("bot_link_used", language),
            LinkRedemption.Expired => BotMessages.Text("bot_link_expired", language),
            LinkRedemption.Deactivated => BotMessages.Text("bot_link_deactivated", language),
            _ => BotMessages.Text("bot_link_unknown", language),
        });
    }
}
