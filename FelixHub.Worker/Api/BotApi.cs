using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FelixHub.Core.Bot;
using Microsoft.Extensions.Options;
using Telegram.Bot;
using Telegram.Bot.Types;

namespace FelixHub.Worker.Api;

/// <summary>The bot: the one-time Telegram links of mechanics and booking users (behind the API access control) and Telegram's webhook.</summary>
public static partial class BotApi
{
    public const string WebhookPath = "/telegram/webhook";
    public const string SecretHeader = "X-Telegram-Bot-Api-Secret-Token";

    public static WebApplication MapBotApi(this WebApplication app)
    {
        var api = app.MapApi();

        api.MapGroup("").WithTags("Mechanics").MapPost("/mechanics/{id:int}/telegram-link", (int id, TelegramLinks links, CancellationToken ct) =>
            CreateLinkAsync(() => links.CreateForMechanicAsync(id, ct)))
            .WithName("CreateMechanicTelegramLink")
            .WithSummary("Make a one-time link that connects a mechanic's Telegram account")
            .WithDescription("The mechanic opens `url` (`https://t.me/<bot>?start=mech_…`) before `expiresAt`; the bot then stores their chat as the mechanic's `telegramId`.")
            .Produces<TelegramLinkResponse>(StatusCodes.Status201Created)
            .Answers(StatusCodes.Status404NotFound, "No mechanic has this id.")
            .Answers(StatusCodes.Status409Conflict, "The mechanic is deactivated.")
            .Answers(StatusCodes.Status503ServiceUnavailable, "The bot is not configured (no token or username) or Telegram's getMe failed.");

        api.MapGroup("").WithTags("Bookings").MapPost("/users/{id:int}/telegram-link", (int id, TelegramLinks links, CancellationToken ct) =>
            CreateLinkAsync(() => links.CreateForUserAsync(id, ct)))
            .WithName("CreateUserTelegramLink")
            .WithSummary("Make a one-time link that connects a booking user's Telegram account")
            .WithDescription("The user opens `url` (`https://t.me/<bot>?start=user_…`) before `expiresAt`; the bot then stores their chat as the user's `telegramId`, where their reminders go.")
            .Produces<TelegramLinkResponse>(StatusCodes.Status201Created)
            .Answers(StatusCodes.Status404NotFound, "No user has this id.")
            .Answers(StatusCodes.Status503ServiceUnavailable, "The bot is not configured (no token or username) or Telegram's getMe failed.");

        // Telegram calls this from outside, so it is not under /api: the secret header is its credential.
        app.MapPost(WebhookPath, HandleWebhookAsync);
        return app;
    }

    private static async Task<IResult> CreateLinkAsync(Func<Task<TelegramLinkResponse>> create)
    {
        try
        {
            return Results.Created((string?)null, await create());
        }
        catch (BotUnavailableException unavailable)
        {
            return Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "The Telegram bot is unavailable.", detail: unavailable.Message);
        }
    }

    private static async Task<IResult> HandleWebhookAsync(HttpContext http, IOptionsMonitor<BotOptions> options, BotClient clients,
        BotUpdateHandler handler, ILoggerFactory loggers, CancellationToken ct)
    {
        var o = options.CurrentValue;
        if (!o.ReceiveUpdates || !o.IsWebhookMode || !clients.IsConfigured) return Results.NotFound();

        var logger = loggers.CreateLogger(typeof(BotApi).FullName!);
        if (!SecretMatches(http.Request.Headers[SecretHeader].ToString(), o.WebhookSecret))
        {
            LogBadSecret(logger, http.Connection.RemoteIpAddress?.ToString());
            return Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized.", detail: $"A valid {SecretHeader} header is required.");
        }

        Update? update;
        try
        {
            update = await JsonSerializer.DeserializeAsync<Update>(http.Request.Body, JsonBotAPI.Options, ct);
        }
        catch (JsonException)
        {
            update = null;
        }
        if (update is null || update.Id <= 0)
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The request is invalid.", detail: "The body is not a Telegram Update.");

        // Finished even if Telegram hangs up meanwhile (its retry then finds it handled). Throws on a
        // database failure: the 5xx makes Telegram deliver the update again later.
        await handler.ProcessAsync(update, BotUpdateHandler.Webhook, CancellationToken.None);
        return Results.Ok();
    }

    private static bool SecretMatches(string given, string expected) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Telegram webhook call from {RemoteAddress} refused: missing or wrong secret token")]
    private static partial void LogBadSecret(ILogger logger, string? remoteAddress);
}
