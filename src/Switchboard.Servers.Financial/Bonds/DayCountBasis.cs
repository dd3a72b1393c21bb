using System.Text.Json.Serialization;

namespace Switchboard.Servers.Financial.Bonds;

/// <summary>Day-count conventions, numbered as the spreadsheet's <c>basis</c> argument (0–4).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DayCountBasis>))]
public enum DayCountBasis
{
    /// <summary>Basis 0: US (NASD) 30/360, with the end-of-February adjustments.</summary>
    [JsonStringEnumMemberName("us_30_360")]
    Us30360 = 0,

    /// <summary>Basis 1: actual/actual.</summary>
    [JsonStringEnumMemberName("actual_actual")]
    ActualActual = 1,

    /// <summary>Basis 2: actual/360.</summary>
    [JsonStringEnumMemberName("actual_360")]
    Actual360 = 2,

    /// <summary>Basis 3: actual/365.</summary>
    [JsonStringEnumMemberName("actual_365")]
    Actual365 = 3,

    /// <summary>Basis 4: European 30/360 (30E/360).</summary>
    [JsonStringEnumMemberName("european_30_360")]
    European30360 = 4,
}
