using FelixHub.Core.Wildberries.Cabinets;

namespace FelixHub.Worker.Api;

/// <summary>WB cabinets and users' notification settings (HTTP API v1, listed in docs/http-api.md).</summary>
public static class WildberriesApi
{
    public static WebApplication MapWildberriesApi(this WebApplication app)
    {
        var api = app.MapApi().MapGroup("").WithTags("Wildberries");

        api.MapPost("/cabinets", async (RegisterCabinetRequest body, CabinetService cabinets, CancellationToken ct) =>
        {
            try
            {
                var registered = await cabinets.RegisterAsync(body, ct);
                return Results.Accepted($"/api/cabinets/{registered.CabinetId}", registered);
            }
            catch (WbUnavailableException ex)
            {
                return Unavailable(ex);
            }
        })
            .Idempotent()
            .WithName("RegisterCabinet")
            .WithSummary("Register a seller's WB API key")
            .WithDescription("`telegramId` is the seller's Telegram user id (a positive integer, as a string or a number). The key is checked (JWT shape, expiry, WB's /ping), stored encrypted and joined to the cabinet of the same key if there is one; the initial sync is queued. The key is never shown again.")
            .Produces<RegisterCabinetResponse>(StatusCodes.Status202Accepted)
            .Answers(StatusCodes.Status400BadRequest, "`telegramId` is not a positive user id, or `apiKey` is missing, malformed, expired or rejected by WB (the reason is in `errors.apiKey`).")
            .Answers(StatusCodes.Status503ServiceUnavailable, "WB could not be asked (down, rate-limited, unreachable); `retryAfterSeconds` when WB said.");

        api.MapPut("/cabinets/{id:long}/key", async (long id, ReplaceKeyRequest body, CabinetService cabinets, CancellationToken ct) =>
        {
            try
            {
                return Results.Ok(await cabinets.ReplaceKeyAsync(id, body, ct));
            }
            catch (WbUnavailableException ex)
            {
                return Unavailable(ex);
            }
        })
            .WithName("ReplaceCabinetKey")
            .WithSummary("Replace a cabinet's WB API key, keeping everything else")
            .WithDescription("The cabinet keeps its id, its synced history and cursors (nothing is announced twice), the users' settings and what was sent. The new key is checked as at registration (JWT shape, expiry, the Statistics category, WB's /ping) and must belong to the same seller account as the cabinet's key (its `sid`/`oid` claim) and to no other cabinet. Categories WB had refused are tried again; a cabinet whose key WB rejected syncs again. Replacing a key with itself changes nothing, so a repeated PUT is harmless.")
            .Produces<RegisterCabinetResponse>()
            .Answers(StatusCodes.Status400BadRequest, "`apiKey` is missing, malformed, expired, without Statistics, rejected by WB, of another seller account or another cabinet's (the reason is in `errors.apiKey`).")
            .Answers(StatusCodes.Status404NotFound, "No cabinet has this id.")
            .Answers(StatusCodes.Status503ServiceUnavailable, "WB could not be asked (down, rate-limited, unreachable); `retryAfterSeconds` when WB said.");

        api.MapGet("/cabinets/{id:long}", async (long id, CabinetService cabinets, CancellationToken ct) =>
            Results.Ok(await cabinets.GetAsync(id, ct)))
            .WithName("GetCabinet")
            .WithSummary("Get a cabinet: its state, last sync and users (never the key)")
            .Produces<CabinetResponse>()
            .Answers(StatusCodes.Status404NotFound, "No cabinet has this id.");

        api.MapDelete("/cabinets/{id:long}/users/{telegramId:long}", async (long id, long telegramId, CabinetService cabinets, CancellationToken ct) =>
        {
            await cabinets.LeaveAsync(id, telegramId, ct);
            return Results.NoContent();
        })
            .WithName("LeaveCabinet")
            .WithSummary("A user leaves a cabinet; the last one takes its key and WB data with them")
            .WithDescription("Takes effect at once, without confirmation (the bot asks first; an API caller confirms on its side). The user stops getting the cabinet's notifications: their messages not yet sent are cancelled. When they were the cabinet's last user, the cabinet is deleted with its encrypted key, synced orders, sales, reviews, stocks, products, cursors, sync logs, notification history and its seller account's rate-limit rows (when no other cabinet shares them). A user left with no cabinet loses their notification settings.")
            .Produces(StatusCodes.Status204NoContent)
            .Answers(StatusCodes.Status400BadRequest, "`telegramId` is not a positive user id.")
            .Answers(StatusCodes.Status404NotFound, "No cabinet has this id, or the user is not one of its users.");

        api.MapGet("/users/{telegramId:long}/notification-settings", async (long telegramId, CabinetService cabinets, CancellationToken ct) =>
            Results.Ok(await cabinets.GetSettingsAsync(telegramId, ct)))
            .WithName("GetNotificationSettings")
            .WithSummary("Get a seller's WB notification switches")
            .Produces<NotificationSettingsDto>()
            .Answers(StatusCodes.Status400BadRequest, "`telegramId` is not a positive user id.")
            .Answers(StatusCodes.Status404NotFound, "The user has no cabinet.");

        api.MapPut("/users/{telegramId:long}/notification-settings", async (long telegramId, NotificationSettingsDto body, CabinetService cabinets, CancellationToken ct) =>
            Results.Ok(await cabinets.PutSettingsAsync(telegramId, body, ct)))
            .WithName("PutNotificationSettings")
            .WithSummary("Set all seven of a seller's WB notification switches")
            .WithDescription("Every switch is required. The settings are stored even before the user registers a key.")
            .Produces<NotificationSettingsDto>()
            .Answers(StatusCodes.Status400BadRequest, "`telegramId` is not a positive user id, or a switch is missing or not true/false.");

        api.MapGet("/users/{telegramId:long}/digest-settings", async (long telegramId, CabinetService cabinets, CancellationToken ct) =>
            Results.Ok(await cabinets.GetDigestSettingsAsync(telegramId, ct)))
            .WithName("GetDigestSettings")
            .WithSummary("How a seller gets each kind of WB event: at once or in an hourly or daily digest")
            .WithDescription("Per kind (`newOrders`, `orderBuyouts`, `orderCancellations`, `orderReturns`, `negativeReviews`, `criticalStocks`): `immediate` (each event its own message, the default), `hourly` (one digest at the end of every hour) or `daily` (one digest a day at `dailyAt`, default `09:00`). Times are local in `timeZone`, the chat's zone from `/api/recipients/{telegramId}/preferences` (default `Europe/Moscow`).")
            .Produces<DigestSettingsResponse>()
            .Answers(StatusCodes.Status400BadRequest, "`telegramId` is not a positive user id.")
            .Answers(StatusCodes.Status404NotFound, "The user has no cabinet.");

        api.MapPatch("/users/{telegramId:long}/digest-settings", async (long telegramId, UpdateDigestSettingsRequest body, CabinetService cabinets, CancellationToken ct) =>
            Results.Ok(await cabinets.UpdateDigestSettingsAsync(telegramId, body, ct)))
            .WithName("UpdateDigestSettings")
            .WithSummary("Choose, per kind of WB event, immediate messages or an hourly or daily digest")
            .WithDescription("A field left out (or null) is unchanged; the settings are stored even before the user registers a key. A kind's mode is `immediate`, `hourly` or `daily`; `dailyAt` is `HH:mm`. Events already waiting for a digest never wait longer than the new setting says: switched to `immediate`, they leave at once in one digest. A switched-off kind (`notification-settings`) is not sent either way. The same choice is in the bot: «🔔 Уведомления» → «🗞 Сводки».")
            .Produces<DigestSettingsResponse>()
            .Answers(StatusCodes.Status400BadRequest, "`telegramId` is not a positive user id, a mode is not `immediate`, `hourly` or `daily`, or `dailyAt` is not `HH:mm`.");

        return app;
    }

    /// <summary>WB could not be asked: not the caller's fault, try again later.</summary>
    private static IResult Unavailable(WbUnavailableException ex) =>
        Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Wildberries is unavailable.", detail: ex.Message,
            extensions: ex.RetryAfter is { } retry ? new Dictionary<string, object?> { ["retryAfterSeconds"] = (int)Math.Ceiling(retry.TotalSeconds) } : null);
}
