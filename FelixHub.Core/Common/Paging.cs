using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace FelixHub.Core.Common;

/// <summary>
/// One page of a listing: its rows and the cursor of the next page (<c>null</c> on the last one). Pass
/// <see cref="Next"/> back as <c>after</c> to read on.
/// </summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? Next);

/// <summary>
/// Keyset paging over a listing ordered by id, ascending. The cursor is opaque to clients: the last id
/// of a page and the listing it belongs to, base64url-encoded. Rows added while a client pages through
/// get higher ids and come after what it has read, so it sees no row twice and misses none that existed
/// when it started.
/// </summary>
public static class PageCursor
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    public static string Encode(string listing, long lastId) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{listing}:{lastId.ToString(CultureInfo.InvariantCulture)}"));

    /// <summary>Checks <c>limit</c> and <c>after</c> of a listing into <paramref name="validator"/>; <paramref name="afterId"/> is 0 for the first page.</summary>
    public static Validator CheckPaging(this Validator validator, string listing, int? limit, string? after, out long afterId)
    {
        afterId = 0;
        var cursorOk = after is null || TryDecode(listing, after, out afterId);
        return validator
            .Check(limit is null or >= 1 and <= MaxLimit, "limit", $"'limit' must be between 1 and {MaxLimit} (default {DefaultLimit}).")
            .Check(cursorOk, "after", "'after' must be the 'next' value of a previous page of this listing.");
    }

    private static bool TryDecode(string listing, string cursor, out long lastId)
    {
        lastId = 0;
        if (cursor.Length is 0 or > 100) return false;
        var bytes = new byte[Base64Url.GetMaxDecodedLength(cursor.Length)];
        if (Base64Url.DecodeFromChars(cursor, bytes, out _, out var written) != System.Buffers.OperationStatus.Done) return false;
        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(bytes, 0, written);
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
        var prefix = listing + ":";
        return text.StartsWith(prefix, StringComparison.Ordinal)
            && long.TryParse(text.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out lastId)
            && lastId > 0;
    }

    /// <summary>The page of <paramref name="rows"/> (read with one row more than <paramref name="limit"/>) and its next cursor.</summary>
    public static Page<TOut> ToPage<TIn, TOut>(this IReadOnlyList<TIn> rows, int limit, string listing, Func<TIn, long> id, Func<TIn, TOut> map)
    {
        var items = rows.Take(limit).Select(map).ToList();
        return new Page<TOut>(items, rows.Count > limit ? Encode(listing, id(rows[limit - 1])) : null);
    }
}
