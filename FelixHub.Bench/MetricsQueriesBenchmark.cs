using System.Diagnostics;
using FelixHub.Core.Monitoring;
using FelixHub.Core.Persistence;
using FelixHub.Worker.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace FelixHub.Bench;

/// <summary>
/// Issue 6: the metrics API and alert queries over a million notification log rows (30 days of
/// history), 100,000 orders and 300,000 status changes. Prints the median of 5 runs per query.
/// </summary>
internal static class MetricsQueriesBenchmark
{
    public static async Task<IReadOnlyList<(string Name, double MedianMs)>> RunAsync(BenchDatabase database, int logRows)
    {
        var app = FelixHubApp.Build(
        [
            "--urls=http://127.0.0.1:0",
            $"--ConnectionStrings:FelixHub={database.ConnectionString}",
            "--Hangfire:ServerEnabled=false",
            "--Logging:Console=false",
            "--Api:AllowTrustedWithoutKey=true",
            "--DataProtection:MasterKey=ZmVsaXhodWItdGVzdC1tYXN0ZXIta2V5LTMyLWJ5dGU=",
        ]);
        await app.MigrateDatabaseAsync();

        Console.Error.WriteLine($"seeding {logRows:N0} notification_logs rows, 100,000 orders, 300,000 status changes...");
        var seed = Stopwatch.StartNew();
        await database.ExecuteAsync("""
            INSERT INTO orders (car_number, category, parts, status, created_at, updated_at, status_changed_at)
            SELECT 'AB' || g, 'Двигатель', ARRAY['Фильтр'], (ARRAY['новый','в работе','готов','выдан'])[1 + g % 4],
                   now() - (g % 43200) * interval '1 minute', now(), now() - (g % 43200) * interval '1 minute'
            FROM generate_series(1, 100000) g;
            INSERT INTO order_status_changes (order_id, old_status, new_status, changed_at)
            SELECT 1 + g % 100000, 'новый', 'в работе', now() - (g % 43200) * interval '1 minute'
            FROM generate_series(1, 300000) g;
            """);
        await database.ExecuteAsync($"""
            INSERT INTO notification_logs (notification_type, order_id, telegram_id, message_hash, success, error_message, sent_at)
            SELECT (ARRAY['mechanic_status_change','stuck_order_alert','admin_new_order'])[1 + g % 3], 1 + g % 100000, (100000 + g % 5000)::text,
                   md5(g::text), g % 50 <> 0, CASE WHEN g % 50 = 0 THEN 'Failed to send: Internal Server Error (500)' END,
                   now() - (g % 2592000) * interval '1 second'
            FROM generate_series(1, {logRows}) g;
            ANALYZE;
            """);
        Console.Error.WriteLine($"seeded in {seed.Elapsed.TotalSeconds:F1} s");

        var results = new List<(string, double)>();
        async Task Measure(string name, Func<MetricsService, Task> query)
        {
            var samples = new List<double>();
            for (var i = 0; i < 6; i++)
            {
                await using var scope = app.Services.CreateAsyncScope();
                var metrics = scope.ServiceProvider.GetRequiredService<MetricsService>();
                var watch = Stopwatch.StartNew();
                await query(metrics);
                if (i > 0) samples.Add(watch.Elapsed.TotalMilliseconds); // the first run warms EF's model and plans
            }
            samples.Sort();
            results.Add((name, samples[samples.Count / 2]));
        }

        await Measure("orders/daily?days=30", m => m.OrdersPerDayAsync(30, default));
        await Measure("orders/daily?days=365", m => m.OrdersPerDayAsync(365, default));
        await Measure("status-changes?days=7", m => m.StatusChangesAsync(7, default));
        await Measure("notifications/success-rate?hours=24", m => m.SuccessRateAsync(24, default));
        await Measure("notifications/success-rate?hours=720", m => m.SuccessRateAsync(720, default));
        await Measure("notifications/failures?hours=1", m => m.RecentFailuresAsync(1, 100, default));
        await Measure("notifications/failures?hours=720", m => m.RecentFailuresAsync(720, 100, default));
        await Measure("summary", m => m.SummaryAsync(default));
        await Measure("alerts", m => m.AlertsAsync(default));
        await Measure("dashboard", m => m.DashboardAsync(default));
        await app.DisposeAsync();
        return results;
    }
}
