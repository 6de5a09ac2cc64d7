using FelixHub.Core.Bot;
using FelixHub.Tests.Infrastructure;
using Npgsql;

namespace FelixHub.Tests.Bot;

/// <summary>
/// Several workers on ONE database, as replicas: exactly one polls Telegram (a PostgreSQL advisory
/// lock held by its session), another takes over when it stops or its session dies, and an update is
/// handled once even when a restarted worker is served it again.
/// </summary>
public sealed class BotReplicaTests : IAsyncLifetime
{
    private readonly List<TestWorker> workers = [];
    private FakeTelegramServer telegram = null!;
    private string database = null!;

    public async Task InitializeAsync()
    {
        telegram = await FakeTelegramServer.StartAsync();
        database = await PostgresServer.CreateDatabaseAsync();
    }

    public async Task DisposeAsync()
    {
        foreach (var worker in workers) await worker.DisposeAsync();
        await telegram.DisposeAsync();
        await PostgresServer.DropDatabaseAsync(database);
    }

    private async Task<TestWorker> StartAsync(IDictionary<string, string?>? more = null)
    {
        var worker = await TestWorker.StartAsync(database, telegram, BotTestSupport.Polling(more));
        workers.Add(worker);
        return worker;
    }

    private async Task StopAsync(TestWorker worker)
    {
        workers.Remove(worker);
        await worker.DisposeAsync();
    }

    [Fact]
    public async Task Only_one_of_two_replicas_polls_and_each_update_is_answered_once()
    {
        var a = await StartAsync();
        var b = await StartAsync();
        await Eventually.Until(() => a.IsPolling() || b.IsPolling(), "a replica polling");
        await Task.Delay(1500); // a few long polls and lock retries
        (a.IsPolling() ^ b.IsPolling()).Should().BeTrue("exactly one replica holds the lock");
        var standby = a.IsPolling() ? b : a;
        standby.Logs.Containing("stands by").Should().ContainSingle();

        var chats = Enumerable.Range(0, 10).Select(_ => TestWorker.NewChatId()).ToList();
        foreach (var chat in chats) telegram.PushMessage(chat, "привет");

        foreach (var chat in chats) await telegram.ReplyAsync(chat);
        await Task.Delay(1000);
        chats.Should().OnlyContain(chat => telegram.MessagesTo(chat).Count == 1);
        telegram.MaxConcurrentGetUpdates.Should().Be(1, "never two getUpdates at once");
        standby.Logs.Containing("Update").Where(e => e.RenderMessage().Contains("handled")).Should().BeEmpty("the standby handled nothing");
    }

    [Fact]
    public async Task When_the_polling_replica_stops_another_takes_over()
    {
        var a = await StartAsync();
        await a.UntilPollingAsync();
        var b = await StartAsync();
        await Task.Delay(1000);
        b.IsPolling().Should().BeFalse();

        await StopAsync(a);

        await b.UntilPollingAsync();
        var chat = TestWorker.NewChatId();
        telegram.PushMessage(chat, "/start");
        (await telegram.ReplyAsync(chat)).Text.Should().Be(BotMessages.AskKey);
        b.Logs.Containing("now receives Telegram updates").Should().ContainSingle();
    }

    [Fact]
    public async Task When_the_polling_replicas_database_session_dies_another_replica_takes_over()
    {
        // A waits long before trying again, so the takeover is surely B's.
        var a = await StartAsync(new Dictionary<string, string?> { ["Telegram:LeaderRetrySeconds"] = "60" });
        await a.UntilPollingAsync();
        var b = await StartAsync();
        await Task.Delay(700);
        b.IsPolling().Should().BeFalse();

        await using (var connection = new NpgsqlConnection(database))
        {
            await connection.OpenAsync();
            await using var kill = new NpgsqlCommand($"""
                SELECT count(pg_terminate_backend(a.pid)) FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid
                WHERE a.datname = current_database() AND a.application_name = '{BotPoller.ApplicationName}' AND l.locktype = 'advisory' AND l.granted
                """, connection);
            (await kill.ExecuteScalarAsync()).Should().Be(1L, "A's session holds the lock");
        }

        await Eventually.Until(() => a.Logs.Containing("Telegram polling stopped").Any(), "A noticing its session is gone");
        await b.UntilPollingAsync();
        a.IsPolling().Should().BeFalse();
        var chat = TestWorker.NewChatId();
        telegram.PushMessage(chat, "/start");
        await telegram.ReplyAsync(chat);
        await Task.Delay(1000);
        telegram.MessagesTo(chat).Should().HaveCount(1);
    }

    [Fact]
    public async Task An_update_is_handled_once_across_a_restart_even_when_Telegram_serves_it_again()
    {
        var a = await StartAsync();
        await a.UntilPollingAsync();
        var chat = TestWorker.NewChatId();
        var first = Enumerable.Range(1, 3).Select(i => telegram.PushMessage(chat, "сообщение " + i)).ToArray();
        await telegram.ReplyAsync(chat, 3);
        await StopAsync(a);

        telegram.ServeAgain(first); // as if A had died before confirming them
        var fourth = telegram.PushMessage(chat, "сообщение 4");
        var b = await StartAsync();

        await telegram.ReplyAsync(chat, 4);
        await b.UntilHandledAsync(fourth);
        await Task.Delay(1000);
        telegram.MessagesTo(chat).Should().HaveCount(4, "the three re-served updates were handled before the restart");
        b.Logs.Containing("was already handled").Should().HaveCount(3);
        b.Logs.Containing("Polling Telegram from offset").Single().Property("Offset").Should().Be((first[^1] + 1).ToString(System.Globalization.CultureInfo.InvariantCulture),
            "polling resumes after the last handled update");
    }

    [Fact]
    public async Task A_seller_asked_for_the_key_before_a_restart_has_the_next_message_read_as_the_key_after_it()
    {
        var a = await StartAsync();
        await a.UntilPollingAsync();
        var chat = TestWorker.NewChatId();
        telegram.PushMessage(chat, "/start");
        (await telegram.ReplyAsync(chat)).Text.Should().Be(BotMessages.AskKey);
        await StopAsync(a);

        var b = await StartAsync();
        var key = FakeTelegramServer.MessageUpdate(chat, "not-a-wb-key");
        telegram.PushUpdate(key);

        (await telegram.ReplyAsync(chat, 2)).Text.Should().Be(BotMessages.KeyMalformed, "the conversation's state is in PostgreSQL, not in the process");
        telegram.CallsOf("deleteMessage").Should().ContainSingle(c => c.ChatId == chat)
            .Which.Body["message_id"]!.GetValue<int>().Should().Be(key["message"]!["message_id"]!.GetValue<int>());
        b.IsPolling().Should().BeTrue();
    }
}
