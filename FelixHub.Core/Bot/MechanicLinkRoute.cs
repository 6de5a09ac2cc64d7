namespace FelixHub.Core.Bot;

/// <summary><c>/start mech_...</c>: the mechanic opened their one-time link (other start parameters are left to other routes).</summary>
internal sealed class MechanicLinkRoute(MechanicLinks links) : IBotRoute
{
    public int Order => 100;

    public async Task<BotResult?> HandleAsync(BotRequest request, CancellationToken cancellationToken)
    {
        if (request.Command != "/start" || request.Argument?.StartsWith(MechanicLinks.TokenPrefix, StringComparison.Ordinal) != true) return null;
        if (!request.IsPrivate) return BotResult.Reply(BotMessages.LinkNotPrivate);
        if (!MechanicLinks.LooksLikeToken(request.Argument)) return BotResult.Reply(BotMessages.LinkUnknown);

        var result = await links.RedeemAsync(request.Argument!, request.ChatId, cancellationToken);
        return BotResult.Reply(result.Outcome switch
        {
            LinkRedemption.Linked => BotMessages.Linked(result.MechanicName!),
            LinkRedemption.AlreadyUsed => BotMessages.LinkUsed,
            LinkRedemption.Expired => BotMessages.LinkExpired,
            _ => BotMessages.LinkUnknown,
        });
    }
}
