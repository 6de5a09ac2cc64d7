namespace FelixHub.Core.Telegram;

/// <summary>
/// A message's class on the bot's shared budget. Both classes take slots from the same cursor, 1/N s
/// apart, so together they never exceed the budget; they differ in how far ahead they may reserve
/// (<see cref="TelegramOptions.HighPriorityHorizonMilliseconds"/>, <see cref="TelegramOptions.BulkHorizonMilliseconds"/>).
/// Bulk stops reserving once the cursor is its (short) horizon ahead, so a high-priority message never
/// waits behind more than that much bulk, and while high-priority messages keep the cursor further
/// ahead than bulk's horizon, bulk waits.
/// </summary>
public enum TelegramPriority
{
    /// <summary>Order messages, booking reminders, the bot's replies: the next free slot.</summary>
    High = 0,

    /// <summary>WB events and other mass notifications: only what is left of the budget.</summary>
    Bulk = 1,
}

/// <summary>
/// The priority of the single sends made within a scope (<see cref="ITelegramSender.SendHtmlAsync(string, string, System.Threading.CancellationToken)"/>,
/// photos, edits); <see cref="TelegramPriority.High"/> outside any. The delivery pipeline sets it from the
/// message's kind; the bulk path takes its priority as an argument.
/// </summary>
public static class TelegramSendPriority
{
    private static readonly AsyncLocal<TelegramPriority> CurrentValue = new();

    public static TelegramPriority Current => CurrentValue.Value;

    /// <summary>Sends made until the result is disposed (in this async flow) have <paramref name="priority"/>.</summary>
    public static IDisposable Use(TelegramPriority priority)
    {
        var previous = CurrentValue.Value;
        CurrentValue.Value = priority;
        return new Restore(previous);
    }

    private sealed class Restore(TelegramPriority previous) : IDisposable
    {
        public void Dispose() => CurrentValue.Value = previous;
    }
}
