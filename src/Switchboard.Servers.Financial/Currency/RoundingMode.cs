using System.Text.Json.Serialization;

namespace Switchboard.Servers.Financial.Currency;

/// <summary>How an amount is rounded to its currency's minor unit.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RoundingMode>))]
public enum RoundingMode
{
    /// <summary>Halves away from zero (2.345 → 2.35, −2.345 → −2.35): commercial rounding, the spreadsheet ROUND.</summary>
    [JsonStringEnumMemberName("half_away_from_zero")]
    HalfAwayFromZero,

    /// <summary>Halves to the even digit (2.345 → 2.34, 2.355 → 2.36): banker's rounding, unbiased over many amounts.</summary>
    [JsonStringEnumMemberName("half_even")]
    HalfEven,

    /// <summary>Truncates toward zero (2.349 → 2.34).</summary>
    [JsonStringEnumMemberName("toward_zero")]
    TowardZero,
}
