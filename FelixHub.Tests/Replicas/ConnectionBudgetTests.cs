using FelixHub.Core.Bot;
using FelixHub.Core.Delivery;
using FelixHub.Core.Persistence;
using FelixHub.Core.Telegram;
using FelixHub.Tests.Infrastructure;
using FelixHub.Worker.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Npgsql;
using Serilog.Events;

namespace FelixHub.Tests.Replicas;

/// <summary>
/// The per-replica connection budget from the settings (the pools, the dedicated connections), the
/// arithmetic against <c>max_connections</c>, and the warning a replica logs at start when the replicas
/// would not fit.
/// </summary>
public sealed class ConnectionBudgetTests
{
    private const string Plain = "Host=127.0.0.1;Database=felixhub;Username=app;Password=secret";
    private static readonly TelegramOptions WithToken = new() { BotToken = "123456:token" };

    [Fact]
    public void The_defaults_give_29_connections_per_replica_and_three_replicas_fit_a_stock_max_connections_with_room_to_spare()
    {
        var budget = ConnectionBudget.For(Plain, new DatabaseOptions(), new HangfireOptions(), new BotOptions(), WithToken, new DeliveryOptions());

        budget.HangfirePool.Should().Be(12, "10 workers + 2 for the schedulers, the server's housekeeping and the clients");
        budget.AppPool.Should().Be(11, "10 workers' jobs + 1 for API requests, health checks and the waker's pass");
        budget.LimiterPool.Should().Be(2, "the rate limiter's own pool, which senders holding app connections cannot take");
        budget.Dedicated.Should().Be(4, "inbox LISTEN, Hangfire queue LISTEN, delivery waker LISTEN, bot poller lock");
        budget.PerReplica.Should().Be(29);
        budget.AppPoolTooSmallForWorkers.Should().BeFalse();

        budget.Needed(replicas: 3, reserved: 3).Should().Be(90);
        budget.ReplicasThatFit(maxConnections: 100, reserved: 3).Should().Be(3);
        budget.Evaluate(new DatabaseCapacity(100, 3, OtherReplicas: 2, ClientConnections: 0))
            .Should().Be(new BudgetVerdict(Replicas: 3, Needed: 90, Fits: true, ReplicasThatFit: 3));
        budget.Evaluate(new DatabaseCapacity(100, 3, OtherReplicas: 3, ClientConnections: 0))
            .Should().Be(new BudgetVerdict(Replicas: 4, Needed: 119, Fits: false, ReplicasThatFit: 3));
    }

    [Fact]
    public void Hangfire_pool_follows_the_workers_unless_set_and_a_pool_size_in_the_connection_string_sets_both_pools()
    {
        ConnectionBudget.HangfirePoolFor(new HangfireOptions { WorkerCount = 20 }).Should().Be(22);
        ConnectionBudget.HangfirePoolFor(new HangfireOptions { WorkerCount = 20, MaxPoolSize = 15 }).Should().Be(15);
        ConnectionBudget.HangfirePoolFor(new HangfireOptions { ServerEnabled = false }).Should().Be(2, "a web-only replica's clients");

        var fromString = ConnectionBudget.For(Plain + ";Maximum Pool Size=7", new DatabaseOptions(), new HangfireOptions(), new BotOptions(), WithToken, new DeliveryOptions());
        fromString.HangfirePool.Should().Be(7);
        fromString.AppPool.Should().Be(7);
        fromString.AppPoolTooSmallForWorkers.Should().BeTrue();
    }

    [Fact]
    public void Dedicated_connections_are_counted_only_where_they_are_opened()
    {
        var delivery = new DeliveryOptions();
        ConnectionBudget.DedicatedFor(new HangfireOptions(), new BotOptions(), new TelegramOptions(), delivery).Should().Be(3, "no token: no bot poller");
        ConnectionBudget.DedicatedFor(new HangfireOptions(), new BotOptions { ReceiveUpdates = false }, WithToken, delivery).Should().Be(3);
        ConnectionBudget.DedicatedFor(new HangfireOptions(), new BotOptions { WebhookUrl = "https://bot.example/telegram/webhook" }, WithToken, delivery).Should().Be(3, "webhook: no polling");
        ConnectionBudget.DedicatedFor(new HangfireOptions { EnableLongPolling = false }, new BotOptions(), WithToken, delivery).Should().Be(3, "workers only poll");
        ConnectionBudget.DedicatedFor(new HangfireOptions(), new BotOptions(), WithToken, new DeliveryOptions { WakerEnabled = false }).Should().Be(3, "no due-time waker");
        ConnectionBudget.DedicatedFor(new HangfireOptions { ServerEnabled = false }, new BotOptions(), WithToken, delivery).Should().Be(2, "no server, no queue listener, no waker");
    }

    [Fact]
    public void Dedicated_connections_go_to_the_session_connection_string_when_it_is_set()
    {
        static NpgsqlConnectionStringBuilder Dedicated(Dictionary<string, string?> settings) => new(
            PersistenceServiceCollectionExtensions.DedicatedConnectionString(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), "felixhub-test"));

        var direct = Dedicated(new() { ["ConnectionStrings:FelixHub"] = "Host=pgbouncer;Port=6432;Database=felixhub", ["ConnectionStrings:FelixHubSession"] = "Host=pg;Port=5432;Database=felixhub" });
        direct.Host.Should().Be("pg");
        direct.Port.Should().Be(5432);
        direct.Pooling.Should().BeFalse();
        direct.ApplicationName.Should().Be("felixhub-test");

        var unset = Dedicated(new() { ["ConnectionStrings:FelixHub"] = "Host=pg;Database=felixhub", ["ConnectionStrings:FelixHubSession"] = "" });
        unset.Host.Should().Be("pg", "an empty session connection string means the main one");
        unset.Pooling.Should().BeFalse();
    }

    [Fact]
    public void A_budget_that_fits_is_logged_as_information_and_one_that_does_not_as_a_warning_with_the_figures()
    {
        var budget = ConnectionBudget.For(Plain, new DatabaseOptions(), new HangfireOptions(), new BotOptions(), WithToken, new DeliveryOptions());

        var fits = new ListLogger();
        ConnectionBudgetCheck.Report(fits, budget, new DatabaseCapacity(100, 3, OtherReplicas: 2, ClientConnections: 40));
        fits.Entries.Should().ContainSingle().Which.Level.Should().Be(LogLevel.Information);
        fits.Entries[0].Message.Should().Contain("3 replica(s) × 29 + 3 reserved = 90 of max_connections 100");

        var tooMany = new ListLogger();
        ConnectionBudgetCheck.Report(tooMany, budget, new DatabaseCapacity(100, 3, OtherReplicas: 3, ClientConnections: 80));
        var warning = tooMany.Entries.Should().ContainSingle().Which;
        warning.Level.Should().Be(LogLevel.Warning);
        warning.Message.Should().Contain("4 replica(s) × 29 + 3 reserved = 119 > max_connections 100")
            .And.Contain("Hangfire pool 12 + app pool 11 + rate limiter pool 2 + dedicated 4")
            .And.Contain("3 replica(s) fit");

        var smallAppPool = new ListLogger();
        ConnectionBudgetCheck.Report(smallAppPool, budget with { AppPool = 10 }, new DatabaseCapacity(100, 3, OtherReplicas: 0, ClientConnections: 0));
        smallAppPool.Entries.Should().Contain(e => e.Level == LogLevel.Warning && e.Message.Contains("Database:MaxPoolSize 10 is not above Hangfire:WorkerCount 10", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_replica_reads_max_connections_counts_the_replicas_already_connected_and_warns_when_they_would_not_fit()
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        await using var telegram = await FakeTelegramServer.StartAsync();
        var first = await TestWorker.StartAsync(database, telegram);
        TestWorker? second = null;
        try
        {
            // The test cluster allows 300 connections (scripts/pg.sh); a test worker: 4 workers + 2, 11, the limiter's 2, three LISTENs.
            var fits = await BudgetLineAsync(first);
            fits.Level.Should().Be(LogEventLevel.Information);
            fits.RenderMessage().Should().Contain("22 per replica (Hangfire pool 6 + app pool 11 + rate limiter pool 2 + dedicated 3); 1 replica(s) × 22 + 3 reserved = 25 of max_connections 300");

            second = await TestWorker.StartAsync(database, telegram, new Dictionary<string, string?>
            {
                ["Database:MaxPoolSize"] = "150",
                ["Hangfire:MaxPoolSize"] = "100",
            });
            var warning = await BudgetLineAsync(second);
            warning.Level.Should().Be(LogEventLevel.Warning);
            warning.RenderMessage().Should().Contain("2 replica(s) × 255 + 3 reserved = 513 > max_connections 300", "the first replica counts as live");
        }
        finally
        {
            if (second is not null) await second.DisposeAsync();
            await first.DisposeAsync();
            await PostgresServer.DropDatabaseAsync(database);
        }
    }

    private static async Task<LogEvent> BudgetLineAsync(TestWorker worker)
    {
        await Eventually.Until(() => worker.Logs.Containing("onnection budget").Any(), "the connection budget check", TimeSpan.FromSeconds(20));
        return worker.Logs.Containing("onnection budget").Single();
    }

    private sealed class ListLogger : ILogger
    {
        public List<(LogLevel Level, string Message)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Add((logLevel, formatter(state, exception)));
    }
}
