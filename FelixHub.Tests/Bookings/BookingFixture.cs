using FelixHub.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace FelixHub.Tests.Bookings;

/// <summary>
/// A worker whose clock is a <see cref="FakeTimeProvider"/> the tests move, with no Hangfire server and a
/// cron that never fires: the tests run the dispatch job themselves. Tests reset the booking tables and the ledger first.
/// The clock is the whole host's, Polly's included, hence no in-call Telegram retries here.
/// </summary>
public class BookingFixture : WorkerFixture
{
    /// <summary>Hangfire's <c>Cron.Never()</c>.</summary>
    public const string NeverCron = "0 0 31 2 *";

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 3, 2, 6, 0, 0, TimeSpan.Zero));

    public DateTimeOffset Now => Clock.GetUtcNow();

    protected override IDictionary<string, string?> Overrides => new Dictionary<string, string?>
    {
        ["Delivery:DispatchCron"] = NeverCron,
        ["Delivery:BatchSize"] = "10",
        ["Hangfire:ServerEnabled"] = "false",
        // Polly takes the host's TimeProvider: with a fake clock its retry delays would never end.
        // The sender's own retries are covered by the Orders tests; here one send is one call.
        ["Telegram:MaxRetryAttempts"] = "0",
    };

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<TimeProvider>(Clock);

    /// <summary>Empties the booking tables and the fake Telegram's script, so each test starts from nothing due.</summary>
    public async Task ResetAsync()
    {
        Telegram.Reset();
        await using var connection = new NpgsqlConnection(Worker.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("TRUNCATE delivery_messages, notification_logs, bookings, telegram_link_tokens, booking_users", connection);
        await command.ExecuteNonQueryAsync();
    }
}
