using FelixHub.Core.Wildberries.Cabinets;

namespace FelixHub.Worker.Api;

/// <summary>WB cabinets and users' notification settings (HTTP API v1, listed in docs/http-api.md).</summary>
public static class WildberriesApi
{
    public static WebApplication MapWildberriesApi(this WebApplication app)
    {
        var api = app.MapApi();

        api.MapPost("/cabinets", async (RegisterCabinetRequest body, CabinetService cabinets, CancellationToken ct) =>
        {
            try
            {
                var registered = await cabinets.RegisterAsync(body, ct);
                return Results.Accepted($"/api/cabinets/{registered.CabinetId}", registered);
            }
            catch (WbUnavailableException ex)
            {
                // WB could not be asked: not the caller's fault, try again later.
                return Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Wildberries is unavailable.", detail: ex.Message,
                    extensions: ex.RetryAfter is { } retry ? new Dictionary<string, object?> { ["retryAfterSeconds"] = (int)Math.Ceiling(retry.TotalSeconds) } : null);
            }
        });

        api.MapGet("/cabinets/{id:long}", async (long id, CabinetService cabinets, CancellationToken ct) =>
            Results.Ok(await cabinets.GetAsync(id, ct)));

        api.MapGet("/users/{telegramId:long}/notification-settings", async (long telegramId, CabinetService cabinets, CancellationToken ct) =>
            Results.Ok(await cabinets.GetSettingsAsync(telegramId, ct)));

        api.MapPut("/users/{telegramId:long}/notification-settings", async (long telegramId, NotificationSettingsDto body, CabinetService cabinets, CancellationToken ct) =>
            Results.Ok(await cabinets.PutSettingsAsync(telegramId, body, ct)));

        return app;
    }
}
