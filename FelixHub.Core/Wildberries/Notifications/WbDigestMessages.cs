using System.Globalization;
using FelixHub.Core.Templates;

namespace FelixHub.Core.Wildberries.Notifications;

/// <summary>
/// The text of a WB digest, from the template <c>wb_digest</c> in the user's language, in Telegram HTML: the
/// period, then each kind with its count, sums and top products. It always fits one Telegram message (<see cref="MaxLength"/>): when the top products do not
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

    /// <summary>The kinds, in the order the digest shows them (their titles are in the template <c>wb_digest</c>).</summary>
    private static readonly string[] Kinds =
    [
        WbEventType.NewOrder, WbEventType.OrderBuyout, WbEventType.OrderCancellation,
        WbEventType.OrderReturn, WbEventType.NegativeReview, WbEventType.CriticalStock,
    ];

    /// <summary>The digest of <paramref name="items"/> for the period from <paramref name="from"/> to <paramref name="to"/>, times shown in <paramref name="zone"/>, in <paramref name="language"/>.</summary>
    public static string Build(IReadOnlyList<Item> items, DateTimeOffset from, DateTimeOffset to, TimeZoneInfo zone, string language = Languages.Default)
    {
        for (var top = TopItems; ; top--)
        {
            var text = Compose(items, from, to, zone, Math.Max(top, 0), language);
            if (text.Length <= MaxLength || top <= 0) return text;
        }
    }

    private static string Compose(IReadOnlyList<Item> items, DateTimeOffset from, DateTimeOffset to, TimeZoneInfo zone, int top, string language)
    {
        var kinds = new List<Dictionary<string, object?>>();
        foreach (var kind in Kinds)
        {
            var ofKind = items.Where(i => i.EventType == kind).ToList();
            if (ofKind.Count == 0) continue;
            var amounts = ofKind.Where(i => i.Amount is not null).ToList();
            var rated = kind == WbEventType.NegativeReview ? ofKind.Where(i => i.Value is not null).ToList() : [];
            var products = ofKind.GroupBy(i => i.NmId).Select(g => new
            {
                NmId = g.Key,
                Name = g.Select(i => i.Product).LastOrDefault(p => !string.IsNullOrWhiteSpace(p)),
                Article = g.Select(i => i.Article).LastOrDefault(a => !string.IsNullOrWhiteSpace(a)),
                Count = g.Count(),
                Sum = g.Where(i => i.Amount is not null).Sum(i => i.Amount!.Value),
                HasSum = g.Any(i => i.Amount is not null),
                Last = g.Last().Value,
                Min = g.Min(i => i.Value),
            }).ToList();
            products = kind == WbEventType.CriticalStock
                ? [.. products.OrderBy(p => p.Last ?? int.MaxValue).ThenBy(p => p.NmId)]
                : [.. products.OrderByDescending(p => p.Count).ThenByDescending(p => p.Sum).ThenBy(p => p.NmId)];
            kinds.Add(new Dictionary<string, object?>
            {
                ["code"] = kind,
                ["count"] = ofKind.Count,
                ["amount"] = amounts.Count > 0 ? MessageFormat.Money(amounts.Sum(i => i.Amount!.Value), language) : null,
                ["average"] = rated.Count > 0 ? rated.Average(i => i.Value!.Value).ToString("0.0", language == Languages.English ? CultureInfo.InvariantCulture : Comma) : null,
                // A digest of kinds with different periods (hourly orders, daily reviews): the shorter ones say since when.
                ["since"] = ofKind.Min(i => i.PeriodStart) is { } since && since > from ? Since(since, to, zone, language) : null,
                ["stock"] = kind == WbEventType.CriticalStock,
                ["products"] = products.Take(top).Select(p => new Dictionary<string, object?>
                {
                    ["nm_id"] = p.NmId.ToString(CultureInfo.InvariantCulture),
                    ["name"] = p.Name is null ? null : Shorten(p.Name),
                    ["article"] = p.Article is null ? null : Shorten(p.Article),
                    ["count"] = p.Count,
                    ["sum"] = p.HasSum ? MessageFormat.Money(p.Sum, language) : null,
                    ["left"] = p.Last ?? 0,
                    ["min_stars"] = kind == WbEventType.NegativeReview ? p.Min : null,
                }).ToList(),
                ["rest"] = products.Count - Math.Min(top, products.Count),
                ["rest_only"] = top == 0,
            });
        }
        var known = Kinds.ToHashSet(StringComparer.Ordinal);
        return MessageTemplates.Current.Render("wb_digest", language, new Dictionary<string, object?>
        {
            ["period"] = Period(from, to, zone, language),
            ["kinds"] = kinds,
            ["other"] = items.Count(i => !known.Contains(i.EventType)),
        });
    }

    private static readonly NumberFormatInfo Comma = new() { NumberDecimalSeparator = "," };

    /// <summary>
    /// The period in the user's zone: <c>02.03.2026, 09:00–10:00 МСК</c>, or with both dates when it spans days;
    /// in English <c>2 Mar 2026, 09:00–10:00 MSK</c>.
    /// </summary>
    public static string Period(DateTimeOffset from, DateTimeOffset to, TimeZoneInfo zone, string language = Languages.Default)
    {
        var a = TimeZoneInfo.ConvertTime(from, zone);
        var b = TimeZoneInfo.ConvertTime(to, zone);
        var english = language == Languages.English;
        var label = zone.Id == "Europe/Moscow" ? (english ? "MSK" : "МСК") : zone.Id;
        var date = english ? "d MMM yyyy" : "dd.MM.yyyy";
        return a.Date == b.Date
            ? string.Create(CultureInfo.InvariantCulture, $"{a.ToString(date, CultureInfo.InvariantCulture)}, {a:HH:mm}–{b:HH:mm} {label}")
            : english
                ? string.Create(CultureInfo.InvariantCulture, $"{a.ToString(date, CultureInfo.InvariantCulture)}, {a:HH:mm} – {b.ToString(date, CultureInfo.InvariantCulture)}, {b:HH:mm} {label}")
                : string.Create(CultureInfo.InvariantCulture, $"{a:dd.MM.yyyy HH:mm} – {b:dd.MM.yyyy HH:mm} {label}");
    }

    private static string Since(DateTimeOffset since, DateTimeOffset to, TimeZoneInfo zone, string language)
    {
        var a = TimeZoneInfo.ConvertTime(since, zone);
        var b = TimeZoneInfo.ConvertTime(to, zone);
        return a.ToString(a.Date == b.Date ? "HH:mm" : language == Languages.English ? "d MMM HH:mm" : "dd.MM HH:mm", CultureInfo.InvariantCulture);
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
}
