namespace FelixHub.Core.Bot;

/// <summary>The last route: <c>/start</c> gets a welcome, any other message a short help; only in private chats.</summary>
internal sealed class HelpRoute : IBotRoute
{
    public int Order => int.MaxValue;

    public Task<BotResult?> HandleAsync(BotRequest request, CancellationToken cancellationToken) =>
        Task.FromResult<BotResult?>(!request.IsPrivate || !request.IsMessage ? BotResult.NoReply
            : request.Command == "/start" ? BotResult.Reply(BotMessages.Text("bot_welcome", request.Language))
            : BotResult.Reply(BotMessages.Text("bot_help", request.Language)));
}
