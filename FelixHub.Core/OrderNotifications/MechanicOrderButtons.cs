using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using FelixHub.Core.Bot;
using FelixHub.Core.Delivery;
using FelixHub.Core.Orders;
using FelixHub.Core.Telegram;
using FelixHub.Core.Templates;
using Microsoft.Extensions.Options;
using Telegram.Bot.Types.ReplyMarkups;

namespace FelixHub.Core.OrderNotifications;

/// <summary>A status button as the bot drew it: for <see cref="MechanicId"/>, moving <see cref="OrderId"/> from <see cref="FromStatus"/> to <see cref="ToStatus"/>.</summary>
public sealed record OrderButton(int OrderId, int MechanicId, string FromStatus, string ToStatus);

/// <summary>
/// The inline keyboard under a mechanic's order messages (the status change and the assignment): the
/// next step of the order's current status (<see cref="OrderStatus.MechanicNextStep"/>: «▶ В работу»,
/// «✅ Готово»), and «🔗 Открыть заказ» as a URL button when <c>Notifications:FrontendUrl</c> is an
/// address Telegram accepts. A step button's callback data is
/// <c>o:{orderId}:{mechanicId}:{to}:{from}:{signature}</c> (at most 39 bytes of Telegram's 64): the
/// statuses are their positions in <see cref="OrderStatus.All"/>, and the signature is the first 8 bytes
/// of an HMAC-SHA256 over the rest, base64url, under a key derived from <c>Telegram:CallbackSecret</c>
/// (or, when that is empty, the bot token). Data the bot did not sign is never turned into a change.
/// </summary>
public sealed class MechanicOrderButtons(
    IOptionsMonitor<TelegramOptions> telegram,
    IOptionsMonitor<BotOptions> bot,
    IOptionsMonitor<NotificationsOptions> notifications)
{
    public const string CallbackPrefix = "o:";
    public const string OpenLabel = "🔗 Открыть заказ";

    /// <summary>Telegram's limit on <c>callback_data</c>, in bytes.</summary>
    public const int MaxCallbackDataBytes = 64;

    private const int SignatureBytes = 8;
    private static readonly byte[] KeyLabel = Encoding.UTF8.GetBytes("felixhub:order-buttons:v1");

    private volatile DerivedKey? key;

    private sealed record DerivedKey(string Material, byte[] Key);

    public const string OpenLabelEnglish = "🔗 Open order";

    /// <summary>The label of the button that moves an order to <paramref name="toStatus"/>, in <paramref name="language"/>.</summary>
    public static string StepLabel(string toStatus, string language = Languages.Default) => (toStatus, language) switch
    {
        (OrderStatus.InProgress, Languages.English) => "▶ Start work",
        (OrderStatus.Ready, Languages.English) => "✅ Done",
        (_, Languages.English) => "➡ " + OrderStatus.Label(toStatus, language),
        (OrderStatus.InProgress, _) => "▶ В работу",
        (OrderStatus.Ready, _) => "✅ Готово",
        _ => "➡ " + toStatus,
    };

    /// <summary>The label of the button that opens the order, in <paramref name="language"/>.</summary>
    public static string OpenLabelIn(string language) => language == Languages.English ? OpenLabelEnglish : OpenLabel;

    /// <summary>Whether a press is one of these buttons (signed or not); the rest belongs to other routes.</summary>
    public static bool IsOrderButton(string? data) => data?.StartsWith(CallbackPrefix, StringComparison.Ordinal) == true;

    /// <summary>The keyboard for <paramref name="mechanicId"/>'s message about an order in <paramref name="status"/>; null when it has no button.</summary>
    public InlineKeyboardMarkup? Keyboard(int orderId, int mechanicId, string status, string language = Languages.Default)
    {
        var row = new List<InlineKeyboardButton>(2);
        if (OrderStatus.MechanicNextStep(status) is { } next && Key() is { } signingKey)
            row.Add(InlineKeyboardButton.WithCallbackData(StepLabel(next, language), Data(signingKey, new OrderButton(orderId, mechanicId, status, next))));
        var url = OrderMessages.MechanicOrderUrl(notifications.CurrentValue.FrontendUrl, orderId);
        if (IsButtonUrl(url)) row.Add(InlineKeyboardButton.WithUrl(OpenLabelIn(language), url));
        return row.Count == 0 ? null : new InlineKeyboardMarkup(row);
    }

    /// <summary>The keyboard as the delivery ledger stores it (<see cref="OutgoingMessage.ReplyMarkup"/>).</summary>
    public string? SerializedKeyboard(int orderId, int mechanicId, string status, string language = Languages.Default) =>
        Keyboard(orderId, mechanicId, status, language) is { } keyboard ? DeliveryTransport.SerializeMarkup(keyboard) : null;

    /// <summary>
    /// Reads a press: true only for data in the exact form the bot writes, with a valid signature, for a
    /// step that is still the mechanic's step from that status.
    /// </summary>
    public bool TryRead(string? data, out OrderButton button)
    {
        button = null!;
        if (data is null || !IsOrderButton(data) || Encoding.UTF8.GetByteCount(data) > MaxCallbackDataBytes || Key() is not { } signingKey) return false;
        var parts = data[CallbackPrefix.Length..].Split(':');
        if (parts.Length != 5
            || ParseId(parts[0]) is not int orderId || ParseId(parts[1]) is not int mechanicId
            || StatusOf(parts[2]) is not { } to || StatusOf(parts[3]) is not { } from)
            return false;
        var read = new OrderButton(orderId, mechanicId, from, to);
        var expected = Encoding.ASCII.GetBytes(Data(signingKey, read));
        if (!CryptographicOperations.FixedTimeEquals(expected, Encoding.UTF8.GetBytes(data))) return false;
        if (OrderStatus.MechanicNextStep(from) != to) return false;
        button = read;
        return true;
    }

    /// <summary>
    /// Whether Telegram takes <paramref name="url"/> for a URL button: an absolute http(s) address whose
    /// host is a domain name with a dot (it refuses <c>localhost</c>, other schemes and relative URLs).
    /// </summary>
    public static bool IsButtonUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
        && uri.HostNameType == UriHostNameType.Dns && !uri.IsLoopback
        && uri.Host.Contains('.', StringComparison.Ordinal) && !uri.Host.EndsWith('.');

    private static string Data(byte[] signingKey, OrderButton b)
    {
        var payload = string.Create(CultureInfo.InvariantCulture,
            $"{CallbackPrefix}{b.OrderId}:{b.MechanicId}:{CodeOf(b.ToStatus)}:{CodeOf(b.FromStatus)}");
        var mac = HMACSHA256.HashData(signingKey, Encoding.UTF8.GetBytes(payload));
        return payload + ":" + Base64Url.EncodeToString(mac.AsSpan(0, SignatureBytes));
    }

    /// <summary>The signing key: derived from <c>Telegram:CallbackSecret</c>, else from the bot token; null with neither (no step buttons then).</summary>
    private byte[]? Key()
    {
        var secret = bot.CurrentValue.CallbackSecret;
        var material = string.IsNullOrEmpty(secret) ? telegram.CurrentValue.BotToken : secret;
        if (string.IsNullOrWhiteSpace(material)) return null;
        var current = key;
        if (current is null || !string.Equals(current.Material, material, StringComparison.Ordinal))
            key = current = new DerivedKey(material, HMACSHA256.HashData(Encoding.UTF8.GetBytes(material), KeyLabel));
        return current.Key;
    }

    private static char CodeOf(string status)
    {
        for (var i = 0; i < OrderStatus.All.Count; i++)
            if (OrderStatus.All[i] == status) return (char)('0' + i);
        throw new ArgumentOutOfRangeException(nameof(status), status, "Not an order status.");
    }

    private static string? StatusOf(string code) =>
        code is [var c] && c - '0' is var i && i >= 0 && i < OrderStatus.All.Count ? OrderStatus.All[i] : null;

    /// <summary>A positive id written as the bot writes it (no sign, no leading zero).</summary>
    private static int? ParseId(string text) =>
        text.Length is > 0 and <= 10 && text[0] != '0' && text.All(char.IsAsciiDigit)
        && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;
}
