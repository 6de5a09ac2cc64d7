using System.Text;
using System.Text.RegularExpressions;

namespace FelixHub.Tests.Infrastructure;

/// <summary>
/// What Telegram's HTML parse mode accepts, checked as its parser would: only its tags, properly nested
/// and closed; every <c>&amp;</c> an entity it knows; no bare <c>&lt;</c> or <c>&gt;</c>; the text within 4,096
/// characters both as sent and as shown (tags removed, entities decoded).
/// </summary>
public static partial class TelegramHtmlCheck
{
    private static readonly HashSet<string> Tags = ["b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre", "tg-spoiler", "blockquote"];

    public static List<string> Problems(string html, int maxLength = 4096)
    {
        var problems = new List<string>();
        if (html.Length > maxLength) problems.Add($"{html.Length} characters as sent, more than {maxLength}");
        var shown = new StringBuilder();
        var open = new Stack<string>();
        for (var i = 0; i < html.Length; i++)
        {
            var c = html[i];
            if (c == '<')
            {
                var end = html.IndexOf('>', i);
                if (end < 0)
                {
                    problems.Add($"a '<' at {i} that opens no tag");
                    break;
                }
                var tag = TagPattern().Match(html[(i + 1)..end]);
                if (!tag.Success || !Tags.Contains(tag.Groups["name"].Value))
                    problems.Add($"'{html[i..(end + 1)]}' at {i} is not a Telegram tag");
                else if (tag.Groups["close"].Success)
                {
                    if (open.Count == 0 || open.Pop() != tag.Groups["name"].Value) problems.Add($"'{html[i..(end + 1)]}' at {i} closes no open tag");
                }
                else open.Push(tag.Groups["name"].Value);
                i = end;
            }
            else if (c == '>') problems.Add($"a bare '>' at {i}");
            else if (c == '&')
            {
                var entity = EntityPattern().Match(html, i);
                if (!entity.Success || entity.Index != i) problems.Add($"a bare '&' at {i}");
                else
                {
                    shown.Append(System.Net.WebUtility.HtmlDecode(entity.Value));
                    i += entity.Length - 1;
                }
            }
            else if (char.IsHighSurrogate(c) && (i + 1 >= html.Length || !char.IsLowSurrogate(html[i + 1]))) problems.Add($"a broken surrogate pair at {i}");
            else shown.Append(c);
        }
        if (open.Count > 0) problems.Add($"tags left open: {string.Join(", ", open)}");
        if (shown.Length > maxLength) problems.Add($"{shown.Length} characters shown, more than {maxLength}");
        if (shown.ToString().Trim().Length == 0) problems.Add("nothing to show");
        return problems;
    }

    [GeneratedRegex(@"^(?<close>/)?(?<name>[a-z-]+)(\s+[a-z-]+=""[^""<>]*"")*$")]
    private static partial Regex TagPattern();

    [GeneratedRegex(@"&(lt|gt|amp|quot|#\d{1,7}|#x[0-9a-fA-F]{1,6});")]
    private static partial Regex EntityPattern();
}
