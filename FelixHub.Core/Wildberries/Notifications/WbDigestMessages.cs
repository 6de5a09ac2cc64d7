using System.Globalization;
using System.Text;
using FelixHub.Core.Telegram;

namespace FelixHub.Core.Wildberries.Notifications;

/// <summary>
/// The Russian text of a WB digest, in Telegram HTML: the period, then each kind with its count, sums and
/// top products. It always fits one Telegram message (<see cref="MaxLength"/>): when the top products do not
/// fit, fewer are shown and the rest is summarised («… и ещё N»); lines are whole, so no tag or entity is cut.
/// </summary>
public static class WbDigestMessages
{
    /// <summary>Telegram's limit on a message text.</summary>
    public const int MaxLength = 4096;

    /// <summary>How many products a kind shows at most.</summary>
    public const int TopItems = 5;

    private const int MaxProductName = 60;

    /// <summary>One event as the digest sees it.</summary>
    public sealed record Item(string EventType, long NmId, string? Product, string? Article, decimal? Amount, int? Value)
    {
        /// <summary>The start of the event's period; a kind whose events start later than the digest's period says since when («с 08:00»).</summary>
        public DateTimeOffset? PeriodStart { get; init; }
    }

    private sealed record Kind(string Type, string Emoji, string Title);

    private static readonly Kind[] Kinds =
    [
        new(WbEventType.NewOrder, "🛒", "Новые заказы"),
        new(WbEventType.OrderBuyout, "✅", "Выкупы"),
        new(WbEventType.OrderCancellation, "❌", "Отмены заказов"),
        new(WbEventType.OrderReturn, "↩️", "Возвраты"),
        new(WbEventType.NegativeReview, "⚠️", "Негативные отзывы"),
        new(WbEventType.CriticalStock, "📉", "Критические остатки"),
    ];

    /// <summary>The digest of <paramref name="items"/> for the period from <paramref name="from"/> to <paramref name="to"/>, times shown in <paramref name="zone"/>.</summary>
    public static string Build(IReadOnlyList<Item> items, DateTimeOffset from, DateTimeOffset to, TimeZoneInfo zone)
    {
        for (var top = TopItems; ; top--)
        {
            var text = Compose(items, from, to, zone, Math.Max(top, 0));
            if (text.Length <= MaxLength || top <= 0) return text;
        }
    }

    private static string Compose(IReadOnlyList<Item> items, DateTimeOffset from, DateTimeOffset to, TimeZoneInfo zone, int top)
    {
        var builder = new StringBuilder("📊 <b>Сводка Wildberries</b>\n")
            .Append("🕒 ").Append(Period(from, to, zone)).Append('\n');
        var known = Kinds.Select(k => k.Type).ToHashSet(StringComparer.Ordinal);
        foreach (var kind in Kinds)
        {
            var ofKind = items.Where(i => i.EventType == kind.Type).ToList();
            if (ofKind.Count == 0) continue;
            builder.Append('\n').Append(kind.Emoji).Append(" <b>").Append(kind.Title).Append(": ")
                .Append(ofKind.Count.ToString(CultureInfo.InvariantCulture)).Append("</b>");
            var amounts = ofKind.Where(i => i.Amount is not null).ToList();
            if (amounts.Count > 0) builder.Append(" на ").Append(WbMessages.Rub(amounts.Sum(i => i.Amount!.Value)));
            if (kind.Type == WbEventType.NegativeReview && ofKind.Any(i => i.Value is not null))
                builder.Append(" (средняя оценка ").Append(ofKind.Where(i => i.Value is not null).Average(i => i.Value!.Value).ToString("0.0", Comma)).Append(')');
            // A digest of kinds with different periods (hourly orders, daily reviews): the shorter ones say since when.
            if (ofKind.Min(i => i.PeriodStart) is { } since && since > from)
                builder.Append(" · с ").Append(Since(since, to, zone));
            builder.Append('\n');

            var products = ofKind.GroupBy(i => i.NmId).Select(g => new
            {
                NmId = g.Key,
                Name = g.Select(i => i.Product).LastOrDefault(p => !string.IsNullOrWhiteSpace(p)) ?? $"Товар {g.Key}",
                Article = g.Select(i => i.Article).LastOrDefault(a => !string.IsNullOrWhiteSpace(a)),
                Count = g.Count(),
                Sum = g.Where(i => i.Amount is not null).Sum(i => i.Amount!.Value),
                HasSum = g.Any(i => i.Amount is not null),
                Last = g.Last().Value,
                Min = g.Min(i => i.Value),
            }).ToList();
            products = kind.Type == WbEventType.CriticalStock
                ? [.. products.OrderBy(p => p.Last ?? int.MaxValue).ThenBy(p => p.NmId)]
                : [.. products.OrderByDescending(p => p.Count).ThenByDescending(p => p.Sum).ThenBy(p => p.NmId)];
            foreach (var p in products.Take(top))
            {
                builder.Append("• ").Append(TelegramHtml.Escape(Shorten(p.Name)));
                if (!string.IsNullOrWhiteSpace(p.Article)) builder.Append(" (").Append(TelegramHtml.Escape(Shorten(p.Article))).Append(')');
                builder.Append(" — ");
                if (kind.Type == WbEventType.CriticalStock)
                    builder.Append("осталось ").Append((p.Last ?? 0).ToString(CultureInfo.InvariantCulture)).Append(" шт.");
                else
                {
                    builder.Append(p.Count.ToString(CultureInfo.InvariantCulture)).Append(" шт.");
                    if (p.HasSum) builder.Append(", ").Append(WbMessages.Rub(p.Sum));
                    if (kind.Type == WbEventType.NegativeReview && p.Min is { } stars) builder.Append(", от ").Append(stars.ToString(CultureInfo.InvariantCulture)).Append('★');
                }
                builder.Append('\n');
            }
            var rest = products.Count - Math.Min(top, products.Count);
            if (rest > 0)
                builder.Append(top == 0 ? "• " : "… и ещё ").Append(rest.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(Goods(rest)).Append('\n');
        }
        var other = items.Count(i => !known.Contains(i.EventType));
        if (other > 0) builder.Append("\nДругие события: ").Append(other.ToString(CultureInfo.InvariantCulture)).Append('\n');
        return builder.ToString();
    }

    private static readonly NumberFormatInfo Comma = new() { NumberDecimalSeparator = "," };

    /// <summary>The period in the user's zone: <c>02.03.2026, 09:00–10:00 МСК</c>, or with both dates when it spans days.</summary>
    public static string Period(DateTimeOffset from, DateTimeOffset to, TimeZoneInfo zone)
    {
        var a = TimeZoneInfo.ConvertTime(from, zone);
        var b = TimeZoneInfo.ConvertTime(to, zone);
        var label = zone.Id == "Europe/Moscow" ? "МСК" : zone.Id;
        return a.Date == b.Date
            ? string.Create(CultureInfo.InvariantCulture, $"{a:dd.MM.yyyy}, {a:HH:mm}–{b:HH:mm} {label}")
            : string.Create(CultureInfo.InvariantCulture, $"{a:dd.MM.yyyy HH:mm} – {b:dd.MM.yyyy HH:mm} {label}");
    }

    private static string Since(DateTimeOffset since, DateTimeOffset to, TimeZoneInfo zone)
    {
        var a = TimeZoneInfo.ConvertTime(since, zone);
        var b = TimeZoneInfo.ConvertTime(to, zone);
        return a.ToString(a.Date == b.Date ? "HH:mm" : "dd.MM HH:mm", CultureInfo.InvariantCulture);
    }

    private static string Shorten(string text)
    {
        text = text.Trim();
        if (text.Length <= MaxProductName) return text;
        var cut = MaxProductName - 1;
        // Never split a surrogate pair.
        if (char.IsHighSurrogate(text[cut - 1])) cut--;
        return text[..cut] + "…";
    }

    private static string Goods(int n) => (n % 100) is >= 11 and <= 14 ? "товаров" : (n % 10) switch { 1 => "товар", 2 or 3 or 4 => "товара", _ => "товаров" };
}
