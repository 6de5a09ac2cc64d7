using System.Globalization;

namespace FelixHub.Core.Templates;

/// <summary>
/// Dates and numbers as each language writes them. Moments are shown in Moscow time (UTC+3, no daylight
/// saving): Russian «05.03.2026 14:32 МСК», English «5 Mar 2026, 14:32 MSK». Money: Russian «1 234,50 ₽»
/// (a space between thousands, a decimal comma, whole roubles without decimals), English «1,234.50 RUB».
/// </summary>
public static class MessageFormat
{
    private static readonly TimeSpan MoscowOffset = TimeSpan.FromHours(3);

    private static readonly NumberFormatInfo RussianMoney = new() { NumberGroupSeparator = " ", NumberDecimalSeparator = ",", NumberGroupSizes = [3] };

    private static readonly NumberFormatInfo EnglishMoney = new() { NumberGroupSeparator = ",", NumberDecimalSeparator = ".", NumberGroupSizes = [3] };

    /// <summary>A moment in Moscow time, as <paramref name="language"/> writes it.</summary>
    public static string MoscowTime(DateTimeOffset at, string language = Languages.Russian)
    {
        var local = at.ToOffset(MoscowOffset);
        return language == Languages.English
            ? local.ToString("d MMM yyyy, HH:mm", CultureInfo.InvariantCulture) + " MSK"
            : local.ToString("dd.MM.yyyy HH:mm", CultureInfo.InvariantCulture) + " МСК";
    }

    /// <summary>A wall-clock time with its UTC offset (a booking's local time): «02.03.2026 12:00 (UTC+03:00)», «2 Mar 2026, 12:00 (UTC+03:00)».</summary>
    public static string LocalTime(DateTimeOffset local, string language = Languages.Russian)
    {
        var offset = local.Offset;
        var sign = offset < TimeSpan.Zero ? "-" : "+";
        var zone = string.Create(CultureInfo.InvariantCulture, $"(UTC{sign}{offset.Duration():hh\\:mm})");
        return language == Languages.English
            ? local.ToString("d MMM yyyy, HH:mm", CultureInfo.InvariantCulture) + " " + zone
            : local.ToString("dd.MM.yyyy HH:mm", CultureInfo.InvariantCulture) + " " + zone;
    }

    /// <summary>Roubles: «1 284,01 ₽» / «1,284.01 RUB»; whole amounts without decimals.</summary>
    public static string Money(decimal amount, string language = Languages.Russian)
    {
        var format = language == Languages.English ? EnglishMoney : RussianMoney;
        var number = amount == decimal.Truncate(amount) ? amount.ToString("#,0", format) : amount.ToString("#,0.00", format);
        return language == Languages.English ? number + " RUB" : number + " ₽";
    }
}
