using System.Text.Json.Serialization;

namespace Switchboard.Servers.Financial.Bonds;

/// <summary>Coupon payments per year: the spreadsheet <c>frequency</c> argument (1, 2 or 4).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<CouponFrequency>))]
public enum CouponFrequency
{
    /// <summary>One coupon a year (frequency 1).</summary>
    [JsonStringEnumMemberName("annual")]
    Annual = 1,

    /// <summary>Two coupons a year (frequency 2), the US Treasury convention.</summary>
    [JsonStringEnumMemberName("semiannual")]
    Semiannual = 2,

    /// <summary>Four coupons a year (frequency 4).</summary>
    [JsonStringEnumMemberName("quarterly")]
    Quarterly = 4,
}
