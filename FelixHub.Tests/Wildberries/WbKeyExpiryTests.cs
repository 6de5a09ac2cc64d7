using System.Globalization;
using FelixHub.Core.Delivery;
using FelixHub.Core.Wildberries.Data;
using FelixHub.Core.Wildberries.Notifications;
using FelixHub.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace FelixHub.Tests.Wildberries;

/// <summary>A WB worker whose clock the tests move (the whole host's, Polly's included: no in-call Telegram retries).</summary>
public sealed class WbClockFixture : WbFixture
{
    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    protected override void Configure(Dictionary<string, string?> settings) => settings["Telegram:MaxRetryAttempts"] = "0";

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<TimeProvider>(Clock);

    /// <summary>Another replica on the same database, the same fake WB and Telegram, and the same clock.</summary>
    public Task<TestWorker> StartReplicaAsync()
    {
        var settings = Settings(Wb);
        Configure(settings);
        return TestWorker.StartAsync(Worker.ConnectionString, Telegram, settings, services => services.AddSingleton<TimeProvider>(Clock));
    }
}

/// <summary>Issue 21 §2: the cabinet's users are warned 7 days and 1 day before the key expires, once each.</summary>
public sealed class WbKeyExpiryTests(WbClockFixture fixture) : IClassFixture<WbClockFixture>
{
    private readonly TestWorker worker = fixture.Worker;
    private readonly FakeTelegramServer telegram = fixture.Telegram;
    private readonly FakeWbServer wb = fixture.Wb;

    private Task<DateTimeOffset> ExpiresAtAsync(long cabinetId) =>
        worker.DbAsync(db => db.Set<WbCabinet>().Where(c => c.Id == cabinetId).Select(c => c.KeyExpiresAt!.Value).SingleAsync());

    private IReadOnlyList<string> Warnings(long user) =>
        [.. telegram.MessagesTo(user).Select(m => m.Content()).Where(t => t.Contains("API-ключ WB истекает", StringComparison.Ordinal))];

    private Task<int> LedgerWarningsAsync(long user) =>
        worker.DbAsync(db => db.Set<DeliveryMessage>().CountAsync(m => m.Kind == WbEventType.KeyExpiring && m.ChatId == user.ToString(CultureInfo.InvariantCulture)));

    [Fact]
    public async Task The_users_are_warned_7_days_and_1_day_before_expiry_once_each_across_replicas_and_a_restart()
    {
        var seller = wb.NewSeller(validFor: TimeSpan.FromDays(30) + (fixture.Clock.GetUtcNow() - DateTimeOffset.UtcNow));
        var user = WbTestSteps.NewTelegramId();
        var second = WbTestSteps.NewTelegramId();
        var cabinetId = await worker.RegisterAndWaitAsync(telegram, user, seller);
        await worker.RegisterAsync(second, seller);
        await telegram.SettledMessagesAsync(second, 1);
        var expiresAt = await ExpiresAtAsync(cabinetId);
        await worker.SyncAsync(cabinetId);
        Warnings(user).Should().BeEmpty("30 days before expiry there is nothing to warn about");

        await using var replica = await fixture.StartReplicaAsync();
        fixture.Clock.SetUtcNow(expiresAt - TimeSpan.FromDays(6.5));
        await worker.SyncAsync(cabinetId);
        await replica.SyncAsync(cabinetId);
        await worker.SyncAsync(cabinetId);

        foreach (var u in new[] { user, second })
        {
            await Eventually.Until(() => Warnings(u).Count >= 1, "the 7-day warning", TimeSpan.FromSeconds(20));
            var warning = Warnings(u).Should().ContainSingle().Subject;
            warning.Should().Contain("через 7 дней").And.Contain(WbMessages.Moscow(expiresAt))
                .And.Contain("«Статистика», «Аналитика», «Контент» и «Вопросы и отзывы»").And.Contain("«🔑 Сменить ключ»");
        }

        // A restart: the replica goes, a new one comes; what was sent is remembered in the database.
        await replica.DisposeAsync();
        await using var restarted = await fixture.StartReplicaAsync();
        fixture.Clock.Advance(TimeSpan.FromDays(1));
        await restarted.SyncAsync(cabinetId);
        await worker.SyncAsync(cabinetId);

        fixture.Clock.SetUtcNow(expiresAt - TimeSpan.FromHours(20));
        await restarted.SyncAsync(cabinetId);
        await worker.SyncAsync(cabinetId);
        await restarted.SyncAsync(cabinetId);
        fixture.Clock.Advance(TimeSpan.FromHours(2));
        await worker.SyncAsync(cabinetId);

        foreach (var u in new[] { user, second })
        {
            await Eventually.Until(() => Warnings(u).Count >= 2, "the 1-day warning", TimeSpan.FromSeconds(20));
            await Task.Delay(300);
            Warnings(u).Should().HaveCount(2, "each stage is told once");
            Warnings(u)[1].Should().Contain("в течение суток").And.Contain(WbMessages.Moscow(expiresAt));
            (await LedgerWarningsAsync(u)).Should().Be(2);
        }
    }

    [Fact]
    public async Task A_key_registered_with_3_days_left_is_warned_at_once_and_then_only_the_day_before()
    {
        var seller = wb.NewSeller(validFor: TimeSpan.FromDays(3) + (fixture.Clock.GetUtcNow() - DateTimeOffset.UtcNow));
        var user = WbTestSteps.NewTelegramId();

        var registered = await worker.RegisterAsync(user, seller);

        await Eventually.Until(() => Warnings(user).Count >= 1, "the warning at registration", TimeSpan.FromSeconds(20));
        Warnings(user)[0].Should().Contain("через 3 дня");
        await Eventually.Until(async () => await worker.StateAsync(registered.CabinetId) == CabinetState.Active, "the initial sync", TimeSpan.FromSeconds(30));
        // The send is over only once the worker has recorded it: moving the host's clock a day ahead while the
        // call is still open (the fake has already counted it) could fire its per-call timeout and send it again.
        var chat = user.ToString(CultureInfo.InvariantCulture);
        await Eventually.Until(() => worker.DbAsync(db => db.Set<DeliveryMessage>().AnyAsync(m => m.Kind == WbEventType.KeyExpiring && m.ChatId == chat && m.State == DeliveryStates.Sent)),
            "the warning recorded as sent", TimeSpan.FromSeconds(20));
        var expiresAt = await ExpiresAtAsync(registered.CabinetId);

        fixture.Clock.SetUtcNow(expiresAt - TimeSpan.FromDays(2));
        await worker.SyncAsync(registered.CabinetId);
        fixture.Clock.SetUtcNow(expiresAt - TimeSpan.FromHours(12));
        await worker.SyncAsync(registered.CabinetId);
        await worker.SyncAsync(registered.CabinetId);

        await Eventually.Until(() => Warnings(user).Count >= 2, "the 1-day warning", TimeSpan.FromSeconds(20));
        await Task.Delay(300);
        Warnings(user).Should().HaveCount(2);
        Warnings(user)[1].Should().Contain("в течение суток");
    }
}
