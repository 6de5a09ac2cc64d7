namespace FelixHub.Core.Telegram;

/// <summary>Telegram's HTML parse mode: every user-supplied value goes through <see cref="Escape"/>.</summary>
public static class TelegramHtml
{
    /// <summary>Telegram's limit on a message's text.</summary>
    public const int MaxMessageLength = 4096;

    /// <summary>Escapes the characters Telegram's HTML mode requires (&amp;, &lt;, &gt;, &quot;); Markdown characters need nothing in HTML mode.</summary>
    public static string Escape(string? value)
    {
        if (string.IsNullOrEmpty(value)) return "";
        var builder = new System.Text.StringBuilder(value.Length + 16);
        foreach (var c in value)
        {
            builder.Append(c switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                _ when char.IsControl(c) && c is not '\n' and not '\t' => "",
                _ => c.ToString(),
            });
        }
        return builder.ToString();
    }
}
