using FelixHub.Core.Bookings;
using FelixHub.Core.Bot;
using FelixHub.Core.Delivery;
using FelixHub.Core.Idempotency;
using FelixHub.Core.Inbox;
using FelixHub.Core.Monitoring;
using FelixHub.Core.OrderNotifications;
using FelixHub.Core.Orders;
using FelixHub.Core.Persistence;
using FelixHub.Core.Protection;
using FelixHub.Core.Retention;
using FelixHub.Core.Telegram;
using FelixHub.Core.Templates;
using FelixHub.Core.Wildberries;
using FelixHub.Worker.Api;
using FelixHub.Worker.DashboardPages;
using FelixHub.Worker.Inbox;
using Microsoft.Extensions.Options;

namespace FelixHub.Worker.Hosting;

/// <summary>The table of contents of the worker: one line per feature. Tests build the same app.</summary>
public static class FelixHubApp
{
    /// <summary>The exit code of a worker stopped by an invalid setting (EX_CONFIG of sysexits.h).</summary>
    public const int ConfigurationErrorExitCode = 78;

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });

        builder.AddFelixHubDefaults();
        builder.AddFelixHubTelemetry();
        builder.Services.AddFelixHubHealth();
        builder.Services.AddPersistence(builder.Configuration);
        builder.AddFelixHubHangfire();
        builder.Services.AddFelixHubDashboardPages();
        builder.Services.AddConnectionBudget();
        builder.Services.AddTelegram();
        builder.Services.AddMessageTemplates();
        builder.Services.AddDelivery();
        builder.Services.AddRetention();
        builder.Services.AddIdempotency();
        builder.Services.AddFelixHubDataProtection();
        builder.Services.AddOrders();
        builder.Services.AddOrderNotifications();
        builder.Services.AddBot();
        builder.Services.AddMonitoring();
        builder.Services.AddInbox().AddInboxWebSockets();
        builder.Services.AddWildberries();
        builder.Services.AddBookings();
        builder.Services.AddFelixHubOpenApi();
        configure?.Invoke(builder);

        var app = builder.Build();
        // Every option is checked before anything touches the database (the host checks them again when it starts).
        app.Services.GetService<IStartupValidator>()?.Validate();
        app.UseFelixHubDefaults();
        app.MapFelixHubHealth();
        app.MapFelixHubDashboard();
        app.MapFelixHubApiReference();
        app.MapOrdersApi();
        app.MapMetricsApi();
        app.MapFelixHubMetrics();
        app.MapInboxApi();
        app.MapWildberriesApi();
        app.MapBotApi();
        app.MapBookingsApi();
        return app;
    }
}
