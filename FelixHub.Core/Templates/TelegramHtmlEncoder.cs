using System.Text;
using System.Text.Encodings.Web;

namespace FelixHub.Core.Templates;

/// <summary>
/// The encoder every template value goes through: Telegram's HTML parse mode needs only &amp;, &lt;, &gt;
/// and &quot; escaped (as <see cref="Telegram.TelegramHtml.Escape"/> does); every other character — Cyrillic,
/// emoji — stays as it is. Control characters other than line feed and tab are dropped. The templates'
/// own text (their markup, <c>&lt;b&gt;</c>, <c>&lt;a href&gt;</c>) is not encoded.
/// </summary>
public sealed class TelegramHtmlEncoder : TextEncoder
{
    public static readonly TelegramHtmlEncoder Instance = new();

    private TelegramHtmlEncoder()
    {
    }

    public override int MaxOutputCharactersPerInputCharacter => 6;

    public override unsafe int FindFirstCharacterToEncode(char* text, int textLength)
    {
        for (var i = 0; i < textLength; i++)
            if (NeedsEncoding(text[i])) return i;
        return -1;
    }

    public override unsafe bool TryEncodeUnicodeScalar(int unicodeScalar, char* buffer, int bufferLength, out int numberOfCharactersWritten)
    {
        var replacement = unicodeScalar switch
        {
            '&' => "&amp;",
            '<' => "&lt;",
            '>' => "&gt;",
            '"' => "&quot;",
            _ when unicodeScalar < 0x10000 && NeedsEncoding((char)unicodeScalar) => "",
            _ => null,
        };
        if (replacement is null)
        {
            // Not ours to change: written as it is (one or two UTF-16 units).
            if (!Rune.TryCreate(unicodeScalar, out var rune) || rune.Utf16SequenceLength > bufferLength)
            {
                numberOfCharactersWritten = 0;
                return false;
            }
            numberOfCharactersWritten = rune.EncodeToUtf16(new Span<char>(buffer, bufferLength));
            return true;
        }
        if (replacement.Length > bufferLength)
        {
            numberOfCharactersWritten = 0;
            return false;
        }
        for (var i = 0; i < replacement.Length; i++) buffer[i] = replacement[i];
        numberOfCharactersWritten = replacement.Length;
        return true;
    }

    public override bool WillEncode(int unicodeScalar) => unicodeScalar < 0x10000 && NeedsEncoding((char)unicodeScalar);

    private static bool NeedsEncoding(char c) => c is '&' or '<' or '>' or '"' || (char.IsControl(c) && c is not '\n' and not '\t');
}
