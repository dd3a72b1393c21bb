using System.Text.Json.Serialization;

namespace Switchboard.Servers.Financial.TimeValue;

/// <summary>When payments fall within each period: the spreadsheet <c>type</c> argument (0 = end, 1 = beginning).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PaymentTiming>))]
public enum PaymentTiming
{
    /// <summary>Payments at the end of each period (ordinary annuity, spreadsheet type 0).</summary>
    [JsonStringEnumMemberName("end")]
    End = 0,

    /// <summary>Payments at the beginning of each period (annuity due, spreadsheet type 1).</summary>
    [JsonStringEnumMemberName("beginning")]
    Beginning = 1,
}
