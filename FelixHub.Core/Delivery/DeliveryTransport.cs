using System.Text.Json;
using FelixHub.Core.Telegram;
using Telegram.Bot;
using Telegram.Bot.Types.ReplyMarkups;

namespace FelixHub.Core.Delivery;

/// <summary>
/// How a ledger message becomes a Telegram call, the same on the job path and the dispatch path: a photo
/// with the text as its caption when it fits one (a photo Telegram refuses with 400 falls back to the
/// text), else the text, with its keyboard if it has one.
/// </summary>
public static class DeliveryTransport
{
    /// <summary>Telegram's limit for a caption; a longer text goes without its photo.</summary>
    public const int MaxCaptionLength = 1024;

    public static bool SendsPhoto(string? photoUrl, string text) => photoUrl is { Length: > 0 } && text.Length <= MaxCaptionLength;

    /// <summary>Sent on the bulk path (one plain text, nothing else to it).</summary>
    public static bool IsPlainText(string? photoUrl, string? replyMarkup, string text) => replyMarkup is null && !SendsPhoto(photoUrl, text);

    /// <summary>
    /// Sends one message with its kind's <paramref name="priority"/> on the bot's budget. <paramref name="silent"/>: without sound
    /// (Telegram's <c>disable_notification</c>), for a message due in its chat's quiet hours.
    /// </summary>
    public static async Task<TelegramSendResult> SendAsync(ITelegramSender telegram, string chatId, string text, string? replyMarkup, string? photoUrl,
        bool silent, TelegramPriority priority, Action<TelegramSendResult>? onPhotoRefused, CancellationToken cancellationToken)
    {
        using var _ = TelegramSendPriority.Use(priority);
        if (SendsPhoto(photoUrl, text))
        {
            var photo = await telegram.SendPhotoAsync(chatId, photoUrl!, text, silent, cancellationToken);
            if (photo is not { Status: TelegramSendStatus.PermanentFailure, ErrorCode: 400 }) return photo;
            onPhotoRefused?.Invoke(photo);
        }
        return await telegram.SendHtmlAsync(chatId, text, replyMarkup is null ? null : ParseMarkup(replyMarkup), silent, cancellationToken);
    }

    /// <summary>A keyboard as the ledger stores it: Telegram's own JSON of <c>reply_markup</c>.</summary>
    public static string SerializeMarkup(ReplyMarkup markup) => JsonSerializer.Serialize(markup, markup.GetType(), JsonBotAPI.Options);

    /// <summary>Reads a stored <c>reply_markup</c> back into the keyboard type its fields name.</summary>
    public static ReplyMarkup ParseMarkup(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        if (root.TryGetProperty("inline_keyboard", out _)) return JsonSerializer.Deserialize<InlineKeyboardMarkup>(json, JsonBotAPI.Options)!;
        if (root.TryGetProperty("keyboard", out _)) return JsonSerializer.Deserialize<ReplyKeyboardMarkup>(json, JsonBotAPI.Options)!;
        if (root.TryGetProperty("remove_keyboard", out _)) return JsonSerializer.Deserialize<ReplyKeyboardRemove>(json, JsonBotAPI.Options)!;
        if (root.TryGetProperty("force_reply", out _)) return JsonSerializer.Deserialize<ForceReplyMarkup>(json, JsonBotAPI.Options)!;
        throw new JsonException("Not a Telegram reply_markup: " + json);
    }
}
